"""POST /api/v1/verifications — the scan at the door."""
from flask import current_app
from flask_smorest import Blueprint

from server.domain.errors import Unauthenticated
from server.domain.verifying import Scanner, verify_scan
from server.extensions import db

from ..auth import SECURITY, bearer_identity
from ..schemas import VerdictSchema, VerificationArgsSchema

blp = Blueprint("api_verifications", __name__, url_prefix="/api/v1/verifications",
                description="Verification at the door (核验)")


def scanner_of_request():
    """Who scans: the Bearer user, or nobody. A stale sign-in is read as nobody (the verdict is
    always answered; ``viewer`` tells the client that it was anonymous)."""
    try:
        identity = bearer_identity()
    except Unauthenticated:
        identity = None
    if identity is None:
        return Scanner()
    return Scanner(user_id=identity.id, role=identity.role, org_id=identity.org_id)


def viewer_of(scanner, verdict):
    if scanner.user_id is None:
        return "anonymous"
    if verdict.code is not None and not verdict.code["masked"]:
        return "enterprise"
    return "other"


@blp.route("", methods=["POST"])
@blp.doc(security=[{}] + SECURITY)
@blp.arguments(VerificationArgsSchema())
@blp.response(200, VerdictSchema())
def verify(args):
    """Verify a scanned URL or bare token. Always 200 with a verdict; opens a visit only for the
    code's own enterprise."""
    scanner = scanner_of_request()
    config = current_app.config
    verdict = verify_scan(
        args["token"], scanner, keys=config["SECRET_KEYS"], public_base_url=config["PUBLIC_BASE_URL"],
        scope_item=args["scope_item"], tolerance_seconds=config["VALIDITY_TOLERANCE_SECONDS"],
        dynamic_lifetime=config["DYNAMIC_CODE_LIFETIME"])
    db.session.commit()
    return {**verdict.__dict__, "viewer": viewer_of(scanner, verdict)}
