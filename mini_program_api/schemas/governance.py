"""Schemas of statistics, standing, bad-review cases, exit rules, notifications and failed scans."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.domain import cases as cases_domain
from server.domain.notify import KINDS as NOTIFICATION_KINDS
from server.domain.verifying import MESSAGES as SCAN_MESSAGES
from server.models.ratings import FLAGS

from .common import BusinessDate, JsonBoolean, LocalDateTime, RowId, Text


# ---- statistics and standing ----------------------------------------------------------------

class PeriodArgsSchema(Schema):
    date_from = BusinessDate(data_key="from", load_default=None)
    date_to = BusinessDate(data_key="to", load_default=None)


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
    note = Text(required=True, max_length=cases_domain.NOTE_LIMIT, multiline=True,
                error=f"请填写处理情况（{cases_domain.NOTE_LIMIT} 字以内）",
                metadata={"description": "what was done (1-2000 characters)"})


class FlagDecisionArgsSchema(CaseNoteArgsSchema):
    decision = fields.String(required=True, validate=validate.OneOf(
        ("confirmed", "dismissed"), error="须为 confirmed（认定）或 dismissed（排除）"), metadata={
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


def _ratio(message, **kwargs):
    """A satisfaction-rate threshold 0..1: not a number, NaN and infinity all get ``message``."""
    return fields.Float(error_messages={"invalid": message, "special": message, "too_large": message}, **kwargs)


def _count(**kwargs):
    """A whole number of the rules; its range is ``exit_rules.validate_rules``'s call."""
    return fields.Integer(strict=True, error_messages={"invalid": "须为整数"}, **kwargs)


class ExitRulesArgsSchema(Schema):
    """A partial change of the exit rules; fields left out stay as they are. Whether the values fit
    together is ``server.domain.exit_rules.validate_rules``'s call (422 naming each field)."""

    window = _count(metadata={"description": "judge the provider's last N ratings"})
    minimum_sample = _count(metadata={"description": "… once there are at least this many"})
    warn_below = _ratio("须为 0 到 1 之间的比例，如 0.9",
                        metadata={"description": "satisfaction rate below this → warned (0..1)"})
    suspend_below = _ratio("须为 0 到 1 之间的比例，如 0.8", metadata={"description": "below this → suspended (0..1)"})
    exit_below = _ratio("须为 0 到 1 之间的比例，如 0.7", metadata={"description": "below this → exited (0..1)"})
    bad_reviews_to_exit = _count(metadata={"description": "this many bad reviews …"})
    bad_review_days = _count(metadata={"description": "… within this many days → exited"})
    exit_flags = fields.List(fields.String(), metadata={
        "description": "red-line flags that exit the provider once the agency confirms them",
        "items": {"enum": list(FLAGS)}})
    require_dynamic_codes = JsonBoolean(metadata={
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
    id = RowId(strict=True, load_default=None, allow_none=True,
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
