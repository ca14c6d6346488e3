"""Exit rules as data (退出规则): each agency's thresholds, with DESIGN.md's defaults."""
from dataclasses import asdict, fields
from decimal import Decimal

from sqlalchemy import select

from ..clock import now
from ..extensions import db
from ..models import ExitRule, Standing
from ..models.ratings import FLAGS
from . import audit
from .errors import Forbidden, Invalid
from .standing import DEFAULT_RULES, ExitRules, evaluate_standing

RED_LINE_FLAGS = ("forced_sales", "out_of_scope")


def rules_for(agency_id):
    """The agency's rules (the defaults when it never changed them)."""
    row = db.session.get(ExitRule, agency_id)
    if row is None:
        return DEFAULT_RULES
    return ExitRules(
        window=row.window_size, minimum_sample=row.minimum_sample, warn_below=float(row.warn_below),
        suspend_below=float(row.suspend_below), exit_below=float(row.exit_below),
        bad_reviews_to_exit=row.bad_reviews_to_exit, bad_review_days=row.bad_review_days,
        exit_flags=tuple(row.exit_flags),
    )


def requires_dynamic_codes(agency_id):
    """Whether the agency accepts only dynamic codes (动态码) at the door."""
    row = db.session.get(ExitRule, agency_id)
    return bool(row and row.require_dynamic_codes)


def rules_record(agency_id):
    """The agency's rules as one record, as the API and the rules page show them: every field of
    ExitRules, ``require_dynamic_codes`` and ``updated_at`` (None while the defaults apply)."""
    row = db.session.get(ExitRule, agency_id)
    record = _as_record(rules_for(agency_id), row.require_dynamic_codes if row else False)
    record["updated_at"] = row.updated_at if row else None
    return record


def _as_record(rules, require_dynamic):
    values = asdict(rules)
    values["exit_flags"] = list(values["exit_flags"])
    values["require_dynamic_codes"] = bool(require_dynamic)
    return values


def validate_rules(values):
    """Check a full set of rule values; raises Invalid naming each field that is wrong."""
    errors = {}
    window, sample = values["window"], values["minimum_sample"]
    if not 1 <= window <= 200:
        errors["window"] = ["评价窗口须在 1 到 200 次之间"]
    if not 1 <= sample <= window:
        errors["minimum_sample"] = ["最少评价数须在 1 到评价窗口之间"]
    for name in ("warn_below", "suspend_below", "exit_below"):
        if not 0 <= values[name] <= 1:
            errors[name] = ["须为 0 到 1 之间的比例，如 0.9"]
    if not errors and not values["exit_below"] <= values["suspend_below"] <= values["warn_below"]:
        errors["suspend_below"] = ["须满足：退出线 ≤ 暂停线 ≤ 预警线"]
    if not 1 <= values["bad_reviews_to_exit"] <= 100:
        errors["bad_reviews_to_exit"] = ["差评次数须在 1 到 100 之间"]
    if not 1 <= values["bad_review_days"] <= 3650:
        errors["bad_review_days"] = ["统计天数须在 1 到 3650 之间"]
    unknown = [flag for flag in values["exit_flags"] if flag not in FLAGS]
    if unknown:
        errors["exit_flags"] = [f"未知的问题标记：{', '.join(map(str, unknown))}"]
    if errors:
        raise Invalid(errors)


def update_rules(actor, **changes):
    """The agency changes some of its rules; audited; every provider under it is re-evaluated.

    ``changes`` may hold any field of ExitRules and ``require_dynamic_codes``. Raises Forbidden for
    non-agencies, Invalid for values that do not fit together.
    """
    if actor.role != "agency":
        raise Forbidden("只有委托单位可以修改退出规则")
    row = db.session.scalar(select(ExitRule).where(ExitRule.agency_id == actor.org_id).with_for_update())
    current = rules_for(actor.org_id)
    before = _as_record(current, row.require_dynamic_codes if row else False)
    merged = {**before, **{key: value for key, value in changes.items() if value is not None}}
    merged["exit_flags"] = list(dict.fromkeys(merged["exit_flags"]))
    validate_rules(merged)
    if row is None:
        row = ExitRule(agency_id=actor.org_id)
        db.session.add(row)
    row.window_size, row.minimum_sample = merged["window"], merged["minimum_sample"]
    row.warn_below = Decimal(str(merged["warn_below"]))
    row.suspend_below = Decimal(str(merged["suspend_below"]))
    row.exit_below = Decimal(str(merged["exit_below"]))
    row.bad_reviews_to_exit, row.bad_review_days = merged["bad_reviews_to_exit"], merged["bad_review_days"]
    row.exit_flags = merged["exit_flags"]
    row.require_dynamic_codes = bool(merged["require_dynamic_codes"])
    row.updated_at, row.updated_by_id = now(), actor.id
    db.session.flush()
    audit.record(actor, "exit_rules.update", _AgencyRef(actor.org_id), before=before, after=merged)
    rules = rules_for(actor.org_id)
    for provider_id in db.session.scalars(select(Standing.provider_id).where(Standing.agency_id == actor.org_id)):
        evaluate_standing(actor.org_id, provider_id, rules)
    return rules, row.require_dynamic_codes


class _AgencyRef:
    """Audit rows name the rules by their agency (the table's key)."""

    __tablename__ = "exit_rules"

    def __init__(self, agency_id):
        self.id = agency_id


RULE_FIELDS = tuple(field.name for field in fields(ExitRules))
