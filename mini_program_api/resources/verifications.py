"""POST /api/v1/verifications — the scan at the door."""
from flask import current_app, request
from flask_smorest import Blueprint
from marshmallow import ValidationError

from server.domain.errors import Invalid, Unauthenticated
from server.domain.verifying import Scanner, verify_scan
from server.driver_sql import session_in_transaction
from server.extensions import db

from ..auth import SECURITY, bearer_identity
from ..errors import field_errors
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


_ARGS = VerificationArgsSchema()
_VERDICT_FIELDS = tuple(VerdictSchema().fields)


@blp.route("", methods=["POST"])
@blp.doc(security=[{}] + SECURITY,
         requestBody={"required": True, "content": {"application/json": {"schema": VerificationArgsSchema}}})
@blp.response(200, VerdictSchema())
def verify():
    """Verify a scanned URL or bare token. Always 200 with a verdict; opens a visit only for the
    code's own enterprise."""
    # The path a person waits on at the gate: the body is loaded here and the answer dumped
    # straight to JSON, skipping webargs' and the response schema's machinery (a sixth of the
    # request); the two schemas still describe both in the OpenAPI document.
    try:
        # No body at all lacks the token like an empty object does (a body that is not JSON was
        # answered 400 before the view, errors.reject_non_json_body).
        args = _ARGS.load(request.get_json(silent=True) or {})
    except ValidationError as error:
        raise Invalid(field_errors(error.messages))
    scanner = scanner_of_request()
    config = current_app.config
    verdict = verify_scan(
        args["token"], scanner, keys=config["SECRET_KEYS"], public_base_url=config["PUBLIC_BASE_URL"],
        scope_item=args["scope_item"], tolerance_seconds=config["VALIDITY_TOLERANCE_SECONDS"],
        dynamic_lifetime=config["DYNAMIC_CODE_LIFETIME"])
    # Nearly every scan recorded itself in autocommit and left the session without a transaction.
    if session_in_transaction():
        db.session.commit()
    document = {**verdict.__dict__, "viewer": viewer_of(scanner, verdict)}
    return current_app.json.response({name: document[name] for name in _VERDICT_FIELDS})
