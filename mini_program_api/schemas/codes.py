"""Schemas of commissions, service codes, verifications, visits and ratings."""
from flask import current_app, g
from marshmallow import EXCLUDE, Schema, fields, validate

from server.domain.issuing import URL_HOLDERS, code_url, effective_status
from server.domain.qr import fingerprint
from server.models.ratings import FLAGS

from .accounts import StaffSchema
from .common import USCC, BusinessDate, LocalDateTime, RowId, ScannedText, Text


class OrgRefSchema(Schema):
    uscc = fields.String()
    name = fields.String()


class AgencyRefSchema(Schema):
    name = fields.String()
    complaint_phone = fields.String(attribute="contact_phone", allow_none=True)


SCOPE_ITEM = Text(max_length=100, required=True, error="服务事项须为 1-100 字")
SCOPE_LIST = fields.List(SCOPE_ITEM, required=True,
                         validate=validate.Length(min=1, max=50, error="请选择 1 到 50 项服务事项"))
#: The largest visit budget of a commission: ten visits a working day for years, far beyond a county's.
MAX_VISIT_BUDGET = 100_000


class CommissionArgsSchema(Schema):
    provider_uscc = fields.String(required=True, validate=USCC)
    category = Text(required=True, max_length=64, error="服务类别须为 1-64 字")
    scope_items = SCOPE_LIST
    start_date = BusinessDate(required=True)
    end_date = BusinessDate(required=True)
    enterprise_usccs = fields.List(fields.String(validate=USCC), load_default=list,
                                   validate=validate.Length(max=2000, error="企业名单不超过 2000 家"))
    visit_budget = fields.Integer(load_default=None, allow_none=True, strict=True,
                                  error_messages={"invalid": "入企次数预算须为整数"},
                                  validate=validate.Range(min=1, max=MAX_VISIT_BUDGET,
                                                          error=f"入企次数预算须为 1 到 {MAX_VISIT_BUDGET} 之间的整数"))


class CommissionSchema(Schema):
    id = fields.Integer()
    agency = fields.Nested(AgencyRefSchema)
    provider = fields.Nested(OrgRefSchema)
    category = fields.String()
    scope_items = fields.List(fields.String())
    start_date = fields.Date()
    end_date = fields.Date()
    enterprise_usccs = fields.Function(lambda commission: [org.uscc for org in commission.enterprises])
    visit_budget = fields.Integer(allow_none=True)
    created_at = LocalDateTime()


# ---- codes ----------------------------------------------------------------------------------

class CodeArgsSchema(Schema):
    commission_id = RowId(required=True, strict=True)
    enterprise_uscc = fields.String(required=True, validate=USCC)
    scope_items = SCOPE_LIST
    valid_from = BusinessDate(required=True)
    valid_until = BusinessDate(required=True)
    staff_ids = fields.List(RowId(strict=True), required=True,
                            validate=validate.Length(min=1, max=20, error="请选择 1 到 20 名入企人员"))
    purpose = Text(required=True, max_length=500, multiline=True, error="请填写入企目的（500 字以内）")


class ReasonArgsSchema(Schema):
    reason = Text(required=True, max_length=500, error="请填写理由（500 字以内）")


class CodeQueryArgsSchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(
        ("pending", "active", "rejected", "revoked", "completed"), error="状态无效"))


def _code_url(code):
    if effective_status(code) != "active" or g.user.role not in URL_HOLDERS:
        return None
    config = current_app.config
    return code_url(code, config["SECRET_KEYS"], config["PUBLIC_BASE_URL"])


def _held_human_code(code):
    return code.human_code if g.user.role in URL_HOLDERS else None


def _qr_address(fmt):
    """The QR image's address, pinned to the URL's fingerprint so that it can be cached for good."""

    def address(code):
        url = _code_url(code)
        if url is None:
            return None
        return f"/api/v1/codes/{code.id}/qr.{fmt}?v={fingerprint(url)}"

    return address


class CodeSchema(Schema):
    id = fields.Integer()
    status = fields.Function(effective_status)
    version = fields.Integer()
    human_code = fields.Function(_held_human_code, allow_none=True, metadata={
        "description": "the 8-character code under the QR; typed in, it verifies like a scan, so never to the enterprise"})
    commission_id = fields.Integer()
    category = fields.Function(lambda code: code.commission.category)
    provider = fields.Nested(OrgRefSchema)
    enterprise = fields.Nested(OrgRefSchema)
    agency = fields.Nested(AgencyRefSchema)
    scope_items = fields.List(fields.String())
    valid_from = fields.Date()
    valid_until = fields.Date()
    purpose = fields.String()
    staff = fields.List(fields.Nested(StaffSchema))
    applied_at = LocalDateTime()
    approved_at = LocalDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    url = fields.Function(_code_url, allow_none=True, metadata={
        "description": "the QR's URL, only while active and never to the enterprise (it scans the provider's)"})
    qr_png = fields.Function(_qr_address("png"), allow_none=True,
                             metadata={"description": "address of the QR image (only while active); cacheable for good"})
    qr_svg = fields.Function(_qr_address("svg"), allow_none=True)


class DynamicCodeSchema(Schema):
    url = fields.String()
    expires_at = LocalDateTime()
    lifetime_seconds = fields.Integer()


# ---- verification, visits, ratings ----------------------------------------------------------

class VerificationArgsSchema(Schema):
    """What a scanner posts. API.md: a verdict is always answered; only a body that is not JSON or
    lacks ``token`` is a 4xx. So whatever a camera read gets a verdict (``malformed``), however long
    (the body limit bounds it, the scan record keeps the first 300 characters), a scope item of any
    length or kind is judged against the code's scope, and fields a client adds are left aside."""

    class Meta:
        unknown = EXCLUDE

    token = ScannedText(required=True, validate=validate.Length(min=1, error="token 不能为空"), metadata={
        "type": "string", "description": "the scanned URL ({PUBLIC_BASE_URL}/c/{token}) or the bare token"})
    # Left out, null or blank: no scope item asked about (the verdict does not check the scope).
    scope_item = ScannedText(load_default=None, allow_none=True, blank_is_none=True, metadata={
        "type": "string", "description": "a service item to check against the code's scope (out_of_scope if not in it)"})


class VerdictSchema(Schema):
    valid = fields.Boolean()
    reason = fields.String(metadata={"description": "one reason string of DESIGN.md's verification order, or "
                                                    "dynamic_required (the agency accepts only dynamic codes)"})
    message = fields.String()
    message_en = fields.String()
    code = fields.Dict(allow_none=True, metadata={"description": "service information (masked unless the scanner is the code's enterprise)"})
    visit_id = fields.Integer(allow_none=True)
    viewer = fields.String(metadata={"description": "enterprise | other | anonymous"})


class SummaryArgsSchema(Schema):
    summary = Text(required=True, max_length=2000, multiline=True, error="请填写服务小结（2000 字以内）")


class RatingArgsSchema(Schema):
    level = fields.Integer(required=True, strict=True,
                           validate=validate.Range(min=1, max=5, error="评价等级须为 1 到 5"))
    flags = fields.List(fields.String(validate=validate.OneOf(tuple(FLAGS), error="未知的问题标记")),
                        load_default=list, validate=validate.Length(
                            max=len(FLAGS), error=f"问题标记最多 {len(FLAGS)} 项"))
    comment = Text(load_default=None, allow_none=True, max_length=1000, multiline=True, error="评价内容不超过 1000 字")


class RatingSchema(Schema):
    id = fields.Integer()
    visit_id = fields.Integer()
    level = fields.Integer()
    flags = fields.List(fields.String())
    comment = fields.String(allow_none=True)
    rated_at = LocalDateTime()
    bad_review = fields.Boolean(attribute="bad")


class VisitSchema(Schema):
    id = fields.Integer()
    code_id = fields.Integer()
    status = fields.String()
    entered_at = LocalDateTime()
    closed_at = LocalDateTime(allow_none=True)
    summary = fields.String(allow_none=True)
    provider = fields.Function(lambda visit: {"uscc": visit.code.provider.uscc, "name": visit.code.provider.name})
    enterprise = fields.Function(lambda visit: {"uscc": visit.code.enterprise.uscc, "name": visit.code.enterprise.name})
    scope_items = fields.Function(lambda visit: list(visit.code.scope_items))


class EnterpriseVisitSchema(VisitSchema):
    """The enterprise sees its own rating beside the visit; the provider does not (anonymity)."""

    rating = fields.Nested(RatingSchema, allow_none=True)
