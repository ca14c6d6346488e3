"""A provider's standing under an agency, and the exit rules that move it.

谁委托、谁负责: every agency judges the providers it commissioned on the ratings of the visits it
commissioned. The rules are evaluated after every rating; evaluation is deterministic and
idempotent (running it twice changes nothing the second time).
"""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from ..clock import as_utc, now
from ..extensions import db
from ..models import Rating, ServiceCode, Standing
from ..models.ratings import SATISFIED_LEVELS
from . import audit

#: Standings under which the provider gets no new codes.
BLOCKED_FOR_NEW_CODES = ("suspended", "exited")
_SEVERITY = {"good": 0, "reinstated": 0, "warned": 1, "suspended": 2, "exited": 3}


@dataclass(frozen=True)
class ExitRules:
    """The default rules of DESIGN.md."""

    window: int = 20            # judge the last N ratings …
    minimum_sample: int = 10    # … once there are at least this many
    warn_below: float = 0.90
    suspend_below: float = 0.80
    exit_below: float = 0.70
    bad_reviews_to_exit: int = 3
    bad_review_days: int = 90


DEFAULT_RULES = ExitRules()


def standing_of(agency_id, provider_id):
    """The provider's standing state under the agency (``good`` when never judged)."""
    state = db.session.scalar(select(Standing.state).where(
        Standing.agency_id == agency_id, Standing.provider_id == provider_id))
    return state or "good"


def _standing_row(agency_id, provider_id):
    row = db.session.scalar(select(Standing).where(
        Standing.agency_id == agency_id, Standing.provider_id == provider_id).with_for_update())
    if row is None:
        row = Standing(agency_id=agency_id, provider_id=provider_id, state="good", reasons=[], changed_at=now())
        db.session.add(row)
        db.session.flush()
    return row


def _counted_ratings(agency_id, provider_id, since):
    query = select(Rating).where(Rating.agency_id == agency_id, Rating.provider_id == provider_id)
    if since is not None:
        query = query.where(Rating.rated_at > since)
    return query


def judge(agency_id, provider_id, since=None, rules=DEFAULT_RULES):
    """What the rules say now: ``(state, reasons)`` without changing anything.

    Each reason names the rule that fired and the ids of the ratings behind it.
    """
    cutoff = now() - timedelta(days=rules.bad_review_days)
    if since is not None and as_utc(since) > cutoff:
        cutoff = as_utc(since)
    bad_ids = db.session.scalars(
        _counted_ratings(agency_id, provider_id, since).with_only_columns(Rating.id)
        .where(Rating.bad.is_(True), Rating.rated_at >= cutoff).order_by(Rating.id)
    ).all()
    if len(bad_ids) >= rules.bad_reviews_to_exit:
        return "exited", [{
            "rule": "bad_reviews",
            "text": f"{rules.bad_review_days} 天内差评 {len(bad_ids)} 次（达到 {rules.bad_reviews_to_exit} 次即退出）",
            "rating_ids": bad_ids,
        }]
    recent = db.session.execute(
        _counted_ratings(agency_id, provider_id, since).with_only_columns(Rating.id, Rating.level)
        .order_by(Rating.rated_at.desc(), Rating.id.desc()).limit(rules.window)
    ).all()
    if len(recent) < rules.minimum_sample:
        return "good", []
    satisfied = sum(1 for _, level in recent if level in SATISFIED_LEVELS)
    rate = satisfied / len(recent)
    for state, threshold in (("exited", rules.exit_below), ("suspended", rules.suspend_below),
                             ("warned", rules.warn_below)):
        if rate < threshold:
            return state, [{
                "rule": f"satisfaction_below_{state}",
                "text": f"最近 {len(recent)} 次评价满意率 {rate:.0%}，低于 {threshold:.0%}",
                "rating_ids": sorted(rating_id for rating_id, _ in recent),
            }]
    return "good", []


def evaluate_standing(agency_id, provider_id, rules=DEFAULT_RULES):
    """Apply the rules to the stored standing; exit revokes the provider's codes under the agency.

    An exited provider stays exited until an agency reinstates it; a reinstated provider whom the
    rules find good stays ``reinstated``. Returns the Standing row.
    """
    row = _standing_row(agency_id, provider_id)
    if row.state == "exited":
        return row
    state, reasons = judge(agency_id, provider_id, row.counting_from, rules)
    if state == row.state or (state == "good" and row.state == "reinstated"):
        return row
    _move(row, None, state, reasons)
    if state == "exited":
        _revoke_codes_on_exit(agency_id, provider_id, reasons)
    return row


def _move(row, actor, state, reasons, counting_from=None):
    before = {"state": row.state, "reasons": row.reasons}
    row.state = state
    row.reasons = reasons
    row.changed_at = now()
    if counting_from is not None:
        row.counting_from = counting_from
    db.session.flush()
    audit.record(actor, f"standing.{state}", row, before=before, after={"state": state, "reasons": reasons})


def _revoke_codes_on_exit(agency_id, provider_id, reasons):
    from .issuing import revoke_for_exit  # issuing imports this module

    codes = db.session.scalars(select(ServiceCode).where(
        ServiceCode.agency_id == agency_id, ServiceCode.provider_id == provider_id,
        ServiceCode.status.in_(("active", "pending"))).order_by(ServiceCode.id).with_for_update()).all()
    text = "机构退出：" + "；".join(reason["text"] for reason in reasons)
    for code in codes:
        revoke_for_exit(code, text)


def reinstate_provider(actor, provider, reason):
    """An agency lets a suspended or exited provider back, with a written reason.

    Ratings before this moment no longer count toward the exit rules. Codes revoked at exit stay
    revoked. Raises Conflict when the provider is not suspended or exited.
    """
    from .errors import Conflict, Forbidden, Invalid

    if actor.role != "agency":
        raise Forbidden("只有委托单位可以恢复机构")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": ["请填写恢复理由"]})
    row = _standing_row(actor.org_id, provider.id)
    if row.state not in BLOCKED_FOR_NEW_CODES:
        raise Conflict("该机构未被暂停或退出，无需恢复")
    _move(row, actor, "reinstated", [{"rule": "reinstated", "text": reason, "rating_ids": []}], counting_from=now())
    return row


def worst(states):
    """The most severe of several standings (for an overview across agencies)."""
    states = list(states) or ["good"]
    return max(states, key=lambda state: _SEVERITY[state])


def provider_summary(provider_id, agency_id=None, rules=DEFAULT_RULES):
    """Standing, satisfaction over the rule window and reasons, for the provider's own view."""
    query = select(Standing).where(Standing.provider_id == provider_id)
    if agency_id is not None:
        query = query.where(Standing.agency_id == agency_id)
    rows = db.session.scalars(query.order_by(Standing.agency_id)).all()
    totals_query = select(
        func.count(Rating.id),
        func.count(Rating.id).filter(Rating.level.in_(SATISFIED_LEVELS)),
    ).where(Rating.provider_id == provider_id)
    if agency_id is not None:
        totals_query = totals_query.where(Rating.agency_id == agency_id)
    totals = db.session.execute(totals_query).one()
    count, satisfied = totals
    return {
        "standing": worst(row.state for row in rows),
        "ratings": count,
        "satisfaction_rate": (satisfied / count) if count else None,
        "reasons": [
            {"agency_id": row.agency_id, "state": row.state, **reason}
            for row in rows for reason in (row.reasons or [])
        ],
    }
