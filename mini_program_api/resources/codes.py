"""Service codes: apply, read, decide, show as QR."""
from flask import current_app, g, request
from flask_smorest import Blueprint

from server.domain import issuing, qr
from server.domain.errors import Conflict, Forbidden
from server.extensions import db

from ..auth import SECURITY, role_required
from ..schemas import CodeArgsSchema, CodeQueryArgsSchema, CodeSchema, DynamicCodeSchema, ReasonArgsSchema

blp = Blueprint("api_codes", __name__, url_prefix="/api/v1/codes", description="Service codes (入企服务码)")


@blp.route("", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("provider")
@blp.arguments(CodeArgsSchema)
@blp.response(201, CodeSchema)
def apply_for_code(args):
    """Apply for a code under one of the caller's commissions; it waits for the agency (pending)."""
    code = issuing.apply_for_code(
        g.user, args["commission_id"], args["enterprise_uscc"], args["scope_items"], args["valid_from"],
        args["valid_until"], args["staff_ids"], args["purpose"])
    db.session.commit()
    return code


@blp.route("", methods=["GET"])
@blp.doc(security=SECURITY)
@role_required("agency", "provider", "enterprise", "admin")
@blp.arguments(CodeQueryArgsSchema, location="query")
@blp.response(200, CodeSchema(many=True))
def list_codes(args):
    """Codes of the caller's organisation (provider: applied; enterprise: issued for it; agency: commissioned)."""
    return issuing.codes_for(g.user, args["status"])


@blp.route("/<int:code_id>", methods=["GET"])
@blp.doc(security=SECURITY)
@role_required("agency", "provider", "enterprise", "admin")
@blp.response(200, CodeSchema)
def get_code(code_id):
    """One code; ``url`` only while it is active."""
    return issuing.code_visible_to(g.user, code_id)


@blp.route("/<int:code_id>/approve", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("agency")
@blp.response(200, CodeSchema)
def approve_code(code_id):
    """The commissioning agency approves a pending code (409 unless pending)."""
    code = issuing.approve_code(g.user, code_id)
    db.session.commit()
    return code


@blp.route("/<int:code_id>/reject", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("agency")
@blp.arguments(ReasonArgsSchema)
@blp.response(200, CodeSchema)
def reject_code(args, code_id):
    """The commissioning agency rejects a pending code with a reason."""
    code = issuing.reject_code(g.user, code_id, args["reason"])
    db.session.commit()
    return code


@blp.route("/<int:code_id>/revoke", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("agency")
@blp.arguments(ReasonArgsSchema)
@blp.response(200, CodeSchema)
def revoke_code(args, code_id):
    """The commissioning agency revokes an active code; its QR stops working at once."""
    code = issuing.revoke_code(g.user, code_id, args["reason"])
    db.session.commit()
    return code


@blp.route("/<int:code_id>/reissue", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("provider")
@blp.response(200, CodeSchema)
def reissue_code(code_id):
    """The provider reissues its active code (lost card): the old QR answers ``superseded``."""
    code = issuing.reissue_code(g.user, code_id)
    db.session.commit()
    return code


def _showable_code(code_id):
    """The code whose QR the caller may show: its provider's, its agency's or an admin's, active."""
    code = issuing.code_visible_to(g.user, code_id)
    if g.user.role not in issuing.URL_HOLDERS:
        raise Forbidden("服务码由第三方机构出示，企业不能获取二维码")
    if issuing.effective_status(code) != "active":
        raise Conflict("只有生效中的服务码才有二维码")
    return code


@blp.route("/<int:code_id>/qr.<any(png, svg):fmt>", methods=["GET"])
@blp.doc(security=SECURITY, responses={"200": {"description": "QR image", "content": {
    "image/png": {}, "image/svg+xml": {}}}})
@role_required("agency", "provider", "admin")
def code_qr(code_id, fmt):
    """The QR of the code's URL, with an ETag. Fetched as the code's ``qr_png`` / ``qr_svg``
    address (with ``?v=`` the URL's fingerprint) it is cached for good; the plain address is
    revalidated, since a reissue changes the image behind it."""
    code = _showable_code(code_id)
    config = current_app.config
    url = issuing.code_url(code, config["SECRET_KEYS"], config["PUBLIC_BASE_URL"])
    return qr.image_response(url, fmt, request.if_none_match, request.args.get("v"))


@blp.route("/<int:code_id>/dynamic", methods=["GET"])
@blp.doc(security=SECURITY)
@role_required("provider")
@blp.response(200, DynamicCodeSchema)
def dynamic_code(code_id):
    """A short-lived URL for the phone screen: a forwarded screenshot stops working (dynamic_expired)."""
    code = _showable_code(code_id)
    config = current_app.config
    lifetime = config["DYNAMIC_CODE_LIFETIME"]
    url, expires_at = issuing.dynamic_code_url(code, config["SECRET_KEYS"], config["PUBLIC_BASE_URL"], lifetime)
    return {"url": url, "expires_at": expires_at, "lifetime_seconds": lifetime}
