"""The page behind every QR: ``{PUBLIC_BASE_URL}/c/{token}`` shows the same verdict as the API."""
from flask import Blueprint, current_app, render_template

from server.domain.verifying import Scanner, verify_scan
from server.extensions import db

blp = Blueprint("scan", __name__)


@blp.route("/c/<path:token>")
def scan_page(token):
    """Verify the token of the URL a phone camera opened and show the verdict, phone-sized."""
    config = current_app.config
    verdict = verify_scan(
        token[:4096], Scanner(), keys=config["SECRET_KEYS"], public_base_url=config["PUBLIC_BASE_URL"],
        tolerance_seconds=config["VALIDITY_TOLERANCE_SECONDS"], dynamic_lifetime=config["DYNAMIC_CODE_LIFETIME"])
    db.session.commit()
    response = current_app.make_response(render_template("scan/result.html", verdict=verdict))
    # A verdict is about this moment; a cached page could show green for a revoked code.
    response.headers["Cache-Control"] = "no-store"
    return response
