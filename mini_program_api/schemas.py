"""Marshmallow schemas of the phone API: what comes in (XxxArgsSchema) and goes out (XxxSchema).

Shapes and lengths live here; rules that need the database (a USCC's check digit, a scope inside a
commission) live in the domain functions that both the API and the pages call.
"""
from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.clock import isoformat_local
from server.domain import cases as cases_domain
from server.domain.issuing import code_url, effective_status
from server.domain.notify import KINDS as NOTIFICATION_KINDS
from server.domain.verifying import MESSAGES as SCAN_MESSAGES
from server.domain.qr import fingerprint
from server.models.orgs import ROLES
from server.models.ratings import FLAGS

NAME = validate.Length(min=1, max=200, error="长度须在 1 到 200 之间")
SHORT = validate.Length(min=1, max=100, error="长度须在 1 到 100 之间")
PHONE = validate.Regexp(r"^[0-9+\-() ]{5,20}$", error="电话号码格式不对")
USCC = validate.Length(equal=18, error="统一社会信用代码须为 18 位")
REASON = validate.Length(min=1, max=500, error="请填写理由（500 字以内）")


class LocalDateTime(fields.DateTime):
    """ISO 8601 with the +08:00 offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat_local(value)


# ---- auth and admin -------------------------------------------------------------------------

class TokenArgsSchema(Schema):
    username = fields.String(required=True, validate=SHORT)
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenSchema(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    role = fields.String()
    org_id = fields.Integer()


class OrgArgsSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("agency", "provider", "enterprise"),
                                                                  error="须为 agency、provider 或 enterprise"))
    uscc = fields.String(required=True, validate=USCC)
    name = fields.String(required=True, validate=NAME)
    contact_phone = fields.String(load_default=None, validate=PHONE)


class OrgSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    uscc = fields.String()
    name = fields.String()
    contact_phone = fields.String(allow_none=True)


class UserArgsSchema(Schema):
    username = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9_.\-@]{3,64}$", error="用户名为 3-64 位字母、数字或 _.-@"))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES, error="角色无效"))
    org_uscc = fields.String(required=True, validate=USCC)


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()
    org_id = fields.Integer()
    active = fields.Boolean()


# ---- staff and commissions ------------------------------------------------------------------

class StaffArgsSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64, error="姓名须为 1-64 字"))
    phone = fields.String(required=True, validate=PHONE)
    title = fields.String(load_default=None, validate=validate.Length(max=64, error="职务不超过 64 字"))


class StaffSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String()
    title = fields.String(allow_none=True)


class OrgRefSchema(Schema):
    uscc = fields.String()
    name = fields.String()


class AgencyRefSchema(Schema):
    name = fields.String()
    complaint_phone = fields.String(attribute="contact_phone", allow_none=True)


SCOPE_LIST = fields.List(fields.String(validate=SHORT), required=True,
                         validate=validate.Length(min=1, max=50, error="请选择 1 到 50 项服务事项"))


class CommissionArgsSchema(Schema):
    provider_uscc = fields.String(required=True, validate=USCC)
    category = fields.String(required=True, validate=validate.Length(min=1, max=64))
    scope_items = SCOPE_LIST
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    enterprise_usccs = fields.List(fields.String(validate=USCC), load_default=list,
                                   validate=validate.Length(max=2000, error="企业名单不超过 2000 家"))
    visit_budget = fields.Integer(load_default=None, allow_none=True)


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
    commission_id = fields.Integer(required=True, strict=True)
    enterprise_uscc = fields.String(required=True, validate=USCC)
    scope_items = SCOPE_LIST
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(required=True)
    staff_ids = fields.List(fields.Integer(strict=True), required=True,
                            validate=validate.Length(min=1, max=20, error="请选择 1 到 20 名入企人员"))
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=500, error="请填写入企目的（500 字以内）"))


class ReasonArgsSchema(Schema):
    reason = fields.String(required=True, validate=REASON)


class CodeQueryArgsSchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(
        ("pending", "active", "rejected", "revoked", "completed"), error="状态无效"))


def _code_url(code):
    if effective_status(code) != "active":
        return None
    config = current_app.config
    return code_url(code, config["SECRET_KEYS"], config["PUBLIC_BASE_URL"])


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
    human_code = fields.String()
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
    url = fields.Function(_code_url, allow_none=True)
    qr_png = fields.Function(_qr_address("png"), allow_none=True,
                             metadata={"description": "address of the QR image (only while active); cacheable for good"})
    qr_svg = fields.Function(_qr_address("svg"), allow_none=True)


class DynamicCodeSchema(Schema):
    url = fields.String()
    expires_at = LocalDateTime()
    lifetime_seconds = fields.Integer()


# ---- verification, visits, ratings ----------------------------------------------------------

class VerificationArgsSchema(Schema):
    # No upper bound: whatever a camera read gets a verdict (``malformed``), never a 4xx; the body
    # limit (MAX_CONTENT_LENGTH) bounds the size and the scan record keeps only the first 300 characters.
    token = fields.String(required=True, validate=validate.Length(min=1, error="token 不能为空"))
    scope_item = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class VerdictSchema(Schema):
    valid = fields.Boolean()
    reason = fields.String(metadata={"description": "one reason string of DESIGN.md's verification order"})
    message = fields.String()
    message_en = fields.String()
    code = fields.Dict(allow_none=True, metadata={"description": "service information (masked unless the scanner is the code's enterprise)"})
    visit_id = fields.Integer(allow_none=True)
    viewer = fields.String(metadata={"description": "enterprise | other | anonymous"})


class SummaryArgsSchema(Schema):
    summary = fields.String(required=True, validate=validate.Length(min=1, max=2000, error="请填写服务小结（2000 字以内）"))


class RatingArgsSchema(Schema):
    level = fields.Integer(required=True, strict=True,
                           validate=validate.Range(min=1, max=5, error="评价等级须为 1 到 5"))
    flags = fields.List(fields.String(validate=validate.OneOf(tuple(FLAGS), error="未知的问题标记")),
                        load_default=list, validate=validate.Length(max=len(FLAGS)))
    comment = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=1000, error="评价内容不超过 1000 字"))


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


# ---- statistics and standing ----------------------------------------------------------------

class PeriodArgsSchema(Schema):
    date_from = fields.Date(data_key="from", load_default=None)
    date_to = fields.Date(data_key="to", load_default=None)


class ProviderStatsSchema(Schema):
    provider_uscc = fields.String()
    name = fields.String()
    codes_issued = fields.Integer()
    ratings = fields.Integer()
    satisfaction_rate = fields.Float(allow_none=True)
    standing = fields.String()


class SatisfactionSchema(Schema):
    date_from = fields.String(attribute="from", data_key="from")
    date_to = fields.String(attribute="to", data_key="to")
    codes_issued = fields.Integer()
    ratings = fields.Integer()
    satisfied = fields.Integer()
    satisfaction_rate = fields.Float(allow_none=True)
    formula = fields.String()
    by_provider = fields.List(fields.Nested(ProviderStatsSchema))


class StandingSchema(Schema):
    standing = fields.String()
    satisfaction_rate = fields.Float(allow_none=True)
    ratings = fields.Integer()
    reasons = fields.List(fields.Dict())


# ---- governance -----------------------------------------------------------------------------
# Bad-review cases, exit rules, notifications and failed scans. The case schemas dump the rows of
# ``server.domain.cases.case_details`` (``row.case`` is the ReviewCase); each audience has its own
# schema, because ratings are real-name towards the agency and anonymous towards the provider.

def _case_field(name):
    return lambda row: getattr(row.case, name)


class CaseQueryArgsSchema(Schema):
    only_open = fields.Boolean(data_key="open", load_default=False,
                               metadata={"description": "true: only the cases not closed yet"})


class CaseNoteArgsSchema(Schema):
    note = fields.String(required=True, metadata={"description": "what was done (1-2000 characters)"})


class FlagDecisionArgsSchema(CaseNoteArgsSchema):
    decision = fields.String(required=True, metadata={
        "enum": ["confirmed", "dismissed"],
        "description": "confirmed (认定: the exit rule applies) or dismissed (排除)"})


class CaseRatingSchema(Schema):
    level = fields.Integer()
    flags = fields.List(fields.String())
    comment = fields.String(allow_none=True)
    rated_at = LocalDateTime()
    followup = fields.Boolean(attribute="is_followup",
                              metadata={"description": "the bad review was itself the follow-up rating"})


class FollowupRatingSchema(Schema):
    level = fields.Integer(attribute="followup_level")
    rated_at = LocalDateTime(attribute="followup_rated_at")


_NOTE_COLUMNS = {"contact": "contact_note", "rectification": "rectification_note", "close": "close_note",
                 "flag": "flag_note"}


class CaseSchema(Schema):
    """A case as the provider reads it: no enterprise, no visit, no rater."""

    NOTES = ("rectification", "close", "flag")

    id = fields.Function(_case_field("id"), metadata={"type": "integer"})
    status = fields.Function(lambda row: cases_domain.case_status(row.case),
                             metadata={"type": "string", "enum": ["open", "contacted", "rectified", "closed"]})
    opened_at = LocalDateTime(attribute="case.opened_at")
    contact_due = LocalDateTime(attribute="case.contact_due",
                                metadata={"description": "contact the enterprise by the end of the next working day"})
    rectify_due = LocalDateTime(attribute="case.rectify_due",
                                metadata={"description": "the provider reports its rectification within 15 days"})
    contacted_at = LocalDateTime(attribute="case.contacted_at", allow_none=True)
    rectified_at = LocalDateTime(attribute="case.rectified_at", allow_none=True)
    closed_at = LocalDateTime(attribute="case.closed_at", allow_none=True)
    overdue = fields.Function(lambda row: bool(cases_domain.overdue_steps(row.case)), metadata={"type": "boolean"})
    overdue_steps = fields.Function(lambda row: list(cases_domain.overdue_steps(row.case)), metadata={
        "type": "array", "items": {"type": "string", "enum": ["contact", "rectify"]}})
    red_flags = fields.List(fields.String(), attribute="case.red_flags")
    flag_decision = fields.String(attribute="case.flag_decision", allow_none=True,
                                  metadata={"enum": ["confirmed", "dismissed", None]})
    flag_decided_at = LocalDateTime(attribute="case.flag_decided_at", allow_none=True)
    rating = fields.Function(lambda row: CaseRatingSchema().dump(row), metadata={"type": "object"})
    followup_rating = fields.Function(
        lambda row: FollowupRatingSchema().dump(row) if row.followup_level is not None else None,
        allow_none=True, metadata={"type": "object", "nullable": True})
    notes = fields.Method("_notes", metadata={"type": "object", "properties": {
        name: {"type": "string", "nullable": True} for name in _NOTE_COLUMNS}})

    def _notes(self, row):
        return {name: getattr(row.case, _NOTE_COLUMNS[name]) for name in self.NOTES}


class EnterpriseCaseSchema(CaseSchema):
    """A case as the enterprise reads it: its own visit, the provider, whether it may still add the
    follow-up rating. Never the rater's username."""

    NOTES = ("contact", "rectification", "close", "flag")

    visit_id = fields.Function(_case_field("visit_id"), metadata={"type": "integer"})
    provider = fields.Function(lambda row: {"uscc": row.provider_uscc, "name": row.provider_name},
                               metadata={"type": "object"})
    followup_allowed = fields.Function(lambda row: cases_domain.followup_allowed(row), metadata={"type": "boolean"})


class AgencyCaseSchema(EnterpriseCaseSchema):
    """A case as the agency reads it: real-name (which enterprise, which user rated)."""

    enterprise = fields.Function(lambda row: {"uscc": row.enterprise_uscc, "name": row.enterprise_name},
                                 metadata={"type": "object"})
    rater = fields.Function(lambda row: row.rater, allow_none=True,
                            metadata={"type": "string", "description": "username of the rater (agency only)"})


#: Which case schema each role reads (the admin reads as an agency does).
CASE_SCHEMAS = {"agency": AgencyCaseSchema, "admin": AgencyCaseSchema, "enterprise": EnterpriseCaseSchema,
                "provider": CaseSchema}


class ExitRulesArgsSchema(Schema):
    """A partial change of the exit rules; fields left out stay as they are. Whether the values fit
    together is ``server.domain.exit_rules.validate_rules``'s call (422 naming each field)."""

    window = fields.Integer(strict=True, metadata={"description": "judge the provider's last N ratings"})
    minimum_sample = fields.Integer(strict=True, metadata={"description": "… once there are at least this many"})
    warn_below = fields.Float(error_messages={"invalid": "须为 0 到 1 之间的比例，如 0.9"},
                              metadata={"description": "satisfaction rate below this → warned (0..1)"})
    suspend_below = fields.Float(error_messages={"invalid": "须为 0 到 1 之间的比例，如 0.8"},
                                 metadata={"description": "below this → suspended (0..1)"})
    exit_below = fields.Float(error_messages={"invalid": "须为 0 到 1 之间的比例，如 0.7"},
                              metadata={"description": "below this → exited (0..1)"})
    bad_reviews_to_exit = fields.Integer(strict=True, metadata={"description": "this many bad reviews …"})
    bad_review_days = fields.Integer(strict=True, metadata={"description": "… within this many days → exited"})
    exit_flags = fields.List(fields.String(), metadata={
        "description": "red-line flags that exit the provider once the agency confirms them",
        "items": {"enum": list(FLAGS)}})
    require_dynamic_codes = fields.Boolean(metadata={
        "description": "accept only dynamic codes at the door (a static URL answers dynamic_required)"})

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("请至少修改一项规则")


class ExitRulesSchema(Schema):
    window = fields.Integer()
    minimum_sample = fields.Integer()
    warn_below = fields.Float()
    suspend_below = fields.Float()
    exit_below = fields.Float()
    bad_reviews_to_exit = fields.Integer()
    bad_review_days = fields.Integer()
    exit_flags = fields.List(fields.String())
    require_dynamic_codes = fields.Boolean()
    updated_at = LocalDateTime(allow_none=True, metadata={"description": "null while the defaults apply"})


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": list(NOTIFICATION_KINDS)})
    kind_label = fields.Function(lambda message: NOTIFICATION_KINDS.get(message.kind, message.kind),
                                 metadata={"type": "string"})
    title = fields.String()
    body = fields.String()
    object_type = fields.String(allow_none=True)
    object_id = fields.Integer(allow_none=True)
    created_at = LocalDateTime()
    read = fields.Function(lambda message: message.read_at is not None, metadata={"type": "boolean"})
    read_at = LocalDateTime(allow_none=True)


class NotificationListSchema(Schema):
    unread = fields.Integer()
    items = fields.List(fields.Nested(NotificationSchema))


class MarkReadArgsSchema(Schema):
    id = fields.Integer(strict=True, load_default=None, allow_none=True,
                        metadata={"description": "one message; left out: all of the organisation's"})


class MarkReadSchema(Schema):
    marked = fields.Integer()
    unread = fields.Integer()


class FailedScanSchema(Schema):
    id = fields.Integer()
    scanned_at = LocalDateTime()
    reason = fields.String()
    message = fields.Function(lambda row: SCAN_MESSAGES[row.reason][0], metadata={"type": "string"})
    forged = fields.Function(lambda row: row.reason == "bad_signature", metadata={"type": "boolean"})
    raw_input = fields.String(metadata={"description": "what was scanned, truncated to 300 characters"})
    scope_item = fields.String(allow_none=True)
    dynamic = fields.Boolean()
    code_id = fields.Integer(allow_none=True,
                             metadata={"description": "the code found, or the one a forged token claims"})
    human_code = fields.String(allow_none=True)
    provider = fields.Function(lambda row: None if row.provider_id is None else {"name": row.provider_name},
                               allow_none=True, metadata={"type": "object", "nullable": True})
    scanner = fields.Function(
        lambda row: None if row.scanner_org_id is None else {"name": row.scanner_name, "kind": row.scanner_kind},
        allow_none=True,
        metadata={"type": "object", "nullable": True, "description": "null: scanned without signing in"})


class FailedCountSchema(Schema):
    name = fields.String(allow_none=True)
    failed = fields.Integer()
    forged = fields.Integer()


class ProviderFailedCountSchema(FailedCountSchema):
    provider_uscc = fields.String(attribute="uscc", allow_none=True)


class ScannerFailedCountSchema(FailedCountSchema):
    kind = fields.String(allow_none=True, metadata={"description": "enterprise, provider, …; null: anonymous"})


class ReasonCountSchema(Schema):
    reason = fields.String()
    failed = fields.Integer()


class FailedScansSchema(Schema):
    date_from = fields.String(attribute="from", data_key="from")
    date_to = fields.String(attribute="to", data_key="to")
    total = fields.Integer()
    forged = fields.Integer(metadata={"description": "failed scans of forged or altered codes (bad_signature)"})
    scans = fields.List(fields.Nested(FailedScanSchema))
    by_provider = fields.List(fields.Nested(ProviderFailedCountSchema))
    by_enterprise = fields.List(fields.Nested(ScannerFailedCountSchema))
    by_reason = fields.List(fields.Nested(ReasonCountSchema))
