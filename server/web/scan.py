"""The page behind every QR: ``{PUBLIC_BASE_URL}/c/{token}`` shows the same verdict as the API.

Signed in as the code's enterprise, the scan opens the visit; anyone else sees authenticity and
the public details, and is told what signing in would add.
"""
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from mini_program_api.schemas.common import clean_text
from server.domain.verifying import Scanner, verify_scan
from server.extensions import db

blp = Blueprint("scan", __name__)


def page_scanner():
    """The signed-in user as a Scanner, or an anonymous one."""
    if current_user.is_authenticated:
        return Scanner(user_id=current_user.id, role=current_user.role, org_id=current_user.org_id)
    return Scanner()


def verify_for_page(raw):
    """Verify ``raw`` (a URL or token) as the page's visitor and commit the scan record."""
    config = current_app.config
    verdict = verify_scan(
        raw[:4096], page_scanner(), keys=config["SECRET_KEYS"], public_base_url=config["PUBLIC_BASE_URL"],
        # Blank (or only invisible characters): no scope item asked about, as in the API.
        scope_item=clean_text(request.args.get("scope_item", "")) or None,
        tolerance_seconds=config["VALIDITY_TOLERANCE_SECONDS"], dynamic_lifetime=config["DYNAMIC_CODE_LIFETIME"])
    db.session.commit()
    return verdict


def render_verdict(verdict):
    response = current_app.make_response(render_template("scan/result.html", verdict=verdict))
    # A verdict is about this moment; a cached page could show green for a revoked code.
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/c/<path:token>")
def scan_page(token):
    """Verify the token of the URL a phone camera opened and show the verdict, phone-sized."""
    return render_verdict(verify_for_page(token))
