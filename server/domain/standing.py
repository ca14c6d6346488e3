"""A provider's standing under an agency, and the exit rules that move it.

谁委托、谁负责: every agency judges the providers it commissioned on the ratings of the visits it
commissioned. The rules are evaluated after every rating; evaluation is deterministic and
idempotent (running it twice changes nothing the second time).
"""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from ..clock import as_utc, now, today
from ..extensions import db
from ..models import Commission, Organisation, Rating, ReviewCase, ServiceCode, Standing, Visit
from ..models.ratings import FLAGS, SATISFIED_LEVELS
from ..models.standing import STANDING_LABELS
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
    # Red-line flags that exit the provider once the agency confirms them.
    exit_flags: tuple = ("forced_sales", "out_of_scope")


DEFAULT_RULES = ExitRules()

STATE_TITLES = {
    "warned": "服务质量预警",
    "suspended": "暂停赋码",
    "exited": "退出",
    "reinstated": "恢复",
    "good": "恢复良好",
}


def open_decisions(state):
    """The agency's decisions on a provider in ``state``, by function name: reinstatement of a
    suspended or exited provider, exit of one that has not exited."""
    decisions = set()
    if state in BLOCKED_FOR_NEW_CODES:
        decisions.add("reinstate_provider")
    if state != "exited":
        decisions.add("exit_provider")
    return decisions


def standing_of(agency_id, provider_id):
    """The provider's standing state under the agency (``good`` when never judged)."""
    state = db.session.scalar(select(Standing.state).where(
        Standing.agency_id == agency_id, Standing.provider_id == provider_id))
    return state or "good"


def ensure_standing(agency_id, provider_id):
    """Create the ``good`` standing row of a new agency–provider pair (at commission time), so that
    every later evaluation can lock an existing row instead of racing to insert one."""
    exists = db.session.scalar(select(Standing.id).where(
        Standing.agency_id == agency_id, Standing.provider_id == provider_id))
    if exists is None:
        try:
            with db.session.begin_nested():
                db.session.add(Standing(agency_id=agency_id, provider_id=provider_id, state="good",
                                        reasons=[], changed_at=now()))
        except IntegrityError:
            pass  # made by a concurrent commission a moment ago


def _standing_row(agency_id, provider_id):
    """The standing row, locked for this transaction (SELECT … FOR UPDATE)."""
    query = select(Standing).where(Standing.agency_id == agency_id, Standing.provider_id == provider_id)
    row = db.session.scalar(query.with_for_update())
    if row is None:
        ensure_standing(agency_id, provider_id)
        row = db.session.scalar(query.with_for_update())
    return row


def _counted_ratings(agency_id, provider_id, since):
    query = select(Rating).where(Rating.agency_id == agency_id, Rating.provider_id == provider_id)
    if since is not None:
        query = query.where(Rating.rated_at > since)
    return query


def latest_rating_per_code(ratings):
    """Of the ratings a query selects (``Rating`` rows), each service code's latest one (its
    follow-up, when there is one), as a subquery with ``id, provider_id, level, bad, rated_at,
    code_id``.

    The satisfaction-rate rule reads these: one code is one engagement with one enterprise, and
    its latest rating is that enterprise's current view of it. However often one enterprise rates
    one code, it moves the rule by one rating, so no enterprise can make a provider exit alone.
    """
    ranked = (ratings.with_only_columns(
        Rating.id, Rating.provider_id, Rating.level, Rating.bad, Rating.rated_at, Visit.code_id,
        func.row_number().over(partition_by=Visit.code_id,
                               order_by=(Rating.rated_at.desc(), Rating.id.desc())).label("newest"))
        .join(Visit, Visit.id == Rating.visit_id)).subquery()
    return select(ranked.c.id, ranked.c.provider_id, ranked.c.level, ranked.c.bad, ranked.c.rated_at,
                  ranked.c.code_id).where(ranked.c.newest == 1).subquery()


def judge(agency_id, provider_id, since=None, rules=DEFAULT_RULES):
    """What the rules say now: ``(state, reasons)`` without changing anything.

    Each reason names the rule that fired and the ids of the ratings behind it. The most severe
    rule wins: a confirmed red-line flag, then the bad-review count, then the satisfaction rate.
    Both counts go by service code: bad reviews one per code, the satisfaction rate over each
    code's latest rating (:func:`latest_rating_per_code`).
    """
    confirmed = _confirmed_red_lines(agency_id, provider_id, since, rules)
    if confirmed:
        return "exited", [{
            "rule": "confirmed_flag",
            "text": "委托单位认定红线问题：" + "、".join(sorted({FLAGS[flag] for _, flags in confirmed for flag in flags})),
            "rating_ids": sorted(rating_id for rating_id, _ in confirmed),
        }]
    cutoff = now() - timedelta(days=rules.bad_review_days)
    if since is not None and as_utc(since) > cutoff:
        cutoff = as_utc(since)
    bad = db.session.execute(
        _counted_ratings(agency_id, provider_id, since).with_only_columns(Rating.id, Visit.code_id)
        .join(Visit, Visit.id == Rating.visit_id)
        .where(Rating.bad.is_(True), Rating.rated_at >= cutoff).order_by(Rating.id)
    ).all()
    # Bad reviews count by service code: each code is one engagement the agency approved, and the
    # bad reviews of one code (its visits, the follow-up) are one enterprise's view of it, handled
    # by its cases. So no enterprise can make a provider exit alone with one code.
    bad_codes = len({code_id for _, code_id in bad})
    if bad_codes >= rules.bad_reviews_to_exit:
        counted = "" if bad_codes == len(bad) else f"同一服务码的差评计一次，共 {len(bad)} 条；"
        return "exited", [{
            "rule": "bad_reviews",
            "text": f"{rules.bad_review_days} 天内差评 {bad_codes} 次（{counted}达到 {rules.bad_reviews_to_exit} 次即退出）",
            "rating_ids": [rating_id for rating_id, _ in bad],
        }]
    latest = latest_rating_per_code(_counted_ratings(agency_id, provider_id, since))
    recent = db.session.execute(
        select(latest.c.id, latest.c.level)
        .order_by(latest.c.rated_at.desc(), latest.c.id.desc()).limit(rules.window)
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


def _confirmed_red_lines(agency_id, provider_id, since, rules):
    """``[(rating_id, exiting flags)]`` of red-line flags the agency confirmed (since ``since``)."""
    query = select(ReviewCase.rating_id, ReviewCase.red_flags).where(
        ReviewCase.agency_id == agency_id, ReviewCase.provider_id == provider_id,
        ReviewCase.flag_decision == "confirmed")
    if since is not None:
        query = query.where(ReviewCase.flag_decided_at > since)
    found = []
    for rating_id, flags in db.session.execute(query.order_by(ReviewCase.rating_id)):
        exiting = [flag for flag in (flags or []) if flag in rules.exit_flags]
        if exiting:
            found.append((rating_id, exiting))
    return found


def evaluate_standing(agency_id, provider_id, rules=None):
    """Apply the agency's rules to the stored standing; exit revokes the provider's codes under the
    agency. Deterministic and idempotent: a second run right after changes nothing.

    An exited provider stays exited until an agency reinstates it; a reinstated provider whom the
    rules find good stays ``reinstated``. Returns the Standing row.
    """
    from .exit_rules import rules_for  # exit_rules imports this module

    rules = rules or rules_for(agency_id)
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
    _tell(row, before["state"], state, reasons)


def _tell(row, old_state, state, reasons):
    """The provider and the agency are told why, with the ratings that triggered it."""
    from .notify import notify

    names = dict(db.session.execute(select(Organisation.id, Organisation.name)
                                    .where(Organisation.id.in_((row.agency_id, row.provider_id)))).all())
    why = "；".join(reason["text"] for reason in reasons) or "—"
    rating_ids = sorted({rating_id for reason in reasons for rating_id in reason.get("rating_ids", [])})
    evidence = f"（相关评价编号：{', '.join(map(str, rating_ids))}）" if rating_ids else ""
    title = STATE_TITLES.get(state, state)
    notify(row.provider_id, state, f"{names.get(row.agency_id, '')}：{title}",
           f"信用状态由“{STANDING_LABELS[old_state]}”变为“{STANDING_LABELS[state]}”。原因：{why}{evidence}", row)
    notify(row.agency_id, state, f"{names.get(row.provider_id, '')}：{title}",
           f"该机构信用状态由“{STANDING_LABELS[old_state]}”变为“{STANDING_LABELS[state]}”。原因：{why}{evidence}", row)


def _revoke_codes_on_exit(agency_id, provider_id, reasons):
    from .issuing import revoke_for_exit  # issuing imports this module

    # Pending codes are withdrawn; active ones only while their window lasts (a code whose last day
    # has passed reads expired, and stays so in the record).
    codes = db.session.scalars(select(ServiceCode).where(
        ServiceCode.agency_id == agency_id, ServiceCode.provider_id == provider_id,
        or_(ServiceCode.status == "pending",
            and_(ServiceCode.status == "active", ServiceCode.valid_until >= today())))
        .order_by(ServiceCode.id).with_for_update()).all()
    text = "机构退出：" + "；".join(reason["text"] for reason in reasons)
    for code in codes:
        revoke_for_exit(code, text)


def reinstate_provider(actor, provider, reason):
    """An agency lets a suspended or exited provider back, with a written reason.

    Ratings before this moment no longer count toward the exit rules. Codes revoked at exit stay
    revoked. Raises NotFound when the agency never commissioned the provider, Conflict when the
    provider is not suspended or exited.
    """
    from .errors import Conflict, Forbidden, Invalid

    if actor.role != "agency":
        raise Forbidden("只有委托单位可以恢复机构")
    _require_commissioned(actor.org_id, provider.id)
    row = _standing_row(actor.org_id, provider.id)
    if "reinstate_provider" not in open_decisions(row.state):
        raise Conflict("该机构未被暂停或退出，无需恢复")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": ["请填写恢复理由"]})
    _move(row, actor, "reinstated", [{"rule": "reinstated", "text": reason, "rating_ids": []}], counting_from=now())
    return row


def _require_commissioned(agency_id, provider_id):
    """Raise NotFound unless the agency has commissioned the provider: another agency's provider
    is none of its business, and looks as if it did not exist."""
    from .errors import NotFound

    commissioned = db.session.scalar(select(Commission.id).where(
        Commission.agency_id == agency_id, Commission.provider_id == provider_id).limit(1))
    if commissioned is None:
        raise NotFound("本单位没有委托过该机构")


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


def summary_for_agency(actor, provider):
    """The provider's standing under the actor's agency (:func:`provider_summary`). Raises
    Forbidden for non-agencies, NotFound when the agency never commissioned the provider: another
    agency's provider is none of its business, as for reinstatement and exit."""
    from .errors import Forbidden

    if actor.role != "agency":
        raise Forbidden("只有委托单位可以查看机构的信用状态")
    _require_commissioned(actor.org_id, provider.id)
    return provider_summary(provider.id, agency_id=actor.org_id)


def exit_provider(actor, provider, reason):
    """An agency decides that a provider it commissioned exits (退出), with a written reason.

    The standing becomes ``exited`` and every active or pending code of the provider under the
    actor's agency is revoked through the same path as an exit the rules decide (audited code by
    code); codes under other agencies are untouched. Raises Forbidden for non-agencies, Invalid
    without a reason, NotFound when the agency never commissioned the provider, Conflict when the
    provider has exited already.
    """
    from .errors import Conflict, Forbidden, Invalid

    if actor.role != "agency":
        raise Forbidden("只有委托单位可以决定机构退出")
    _require_commissioned(actor.org_id, provider.id)
    row = _standing_row(actor.org_id, provider.id)
    if "exit_provider" not in open_decisions(row.state):
        raise Conflict("该机构已经退出")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": ["请填写退出理由"]})
    reasons = [{"rule": "manual_exit", "text": reason, "rating_ids": []}]
    _move(row, actor, "exited", reasons)
    _revoke_codes_on_exit(actor.org_id, provider.id, reasons)
    return row


def agency_overview(agency_id, rules=None):
    """Every provider the agency commissioned, with its standing, the reasons (the ratings behind
    each, by id, level and time) and the figures the exit rules read now.

    ``window_ratings`` / ``window_satisfied`` count the last ``rules.window`` ratings since the
    provider's reinstatement (each code's latest one), ``recent_bad_reviews`` the bad reviews within ``rules.bad_review_days``
    (also since reinstatement; one per service code), exactly as :func:`judge` counts them; ``rules`` defaults to the
    agency's own. Aggregated in SQL: a window function ranks each provider's ratings, GROUP BY
    counts them. Most severe standing first.
    """
    from .exit_rules import rules_for  # exit_rules imports this module

    rules = rules or rules_for(agency_id)
    providers = db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.uscc, Standing.state, Standing.reasons,
               Standing.changed_at)
        .outerjoin(Standing, and_(Standing.provider_id == Organisation.id, Standing.agency_id == agency_id))
        .where(Organisation.id.in_(select(Commission.provider_id).where(Commission.agency_id == agency_id)))
    ).all()
    counted = (select(Rating)
               .outerjoin(Standing, and_(Standing.agency_id == Rating.agency_id,
                                         Standing.provider_id == Rating.provider_id))
               .where(Rating.agency_id == agency_id,
                      or_(Standing.counting_from.is_(None), Rating.rated_at > Standing.counting_from)))
    latest = latest_rating_per_code(counted)
    ranked = select(latest, func.row_number().over(
        partition_by=latest.c.provider_id, order_by=(latest.c.rated_at.desc(), latest.c.id.desc())).label("rank")
    ).subquery()
    window = {provider_id: (count, satisfied) for provider_id, count, satisfied in db.session.execute(
        select(ranked.c.provider_id, func.count(ranked.c.id),
               func.count(ranked.c.id).filter(ranked.c.level.in_(SATISFIED_LEVELS)))
        .where(ranked.c.rank <= rules.window).group_by(ranked.c.provider_id))}
    recent = (counted.with_only_columns(Rating.provider_id, Rating.bad, Rating.rated_at, Visit.code_id)
              .join(Visit, Visit.id == Rating.visit_id).subquery())
    bad = dict(db.session.execute(
        select(recent.c.provider_id, func.count(recent.c.code_id.distinct()))
        .where(recent.c.bad.is_(True), recent.c.rated_at >= now() - timedelta(days=rules.bad_review_days))
        .group_by(recent.c.provider_id)).all())
    rating_ids = {rating_id for row in providers for reason in (row.reasons or [])
                  for rating_id in reason.get("rating_ids", [])}
    behind = {row.id: row for row in db.session.execute(
        select(Rating.id, Rating.level, Rating.flags, Rating.rated_at).where(Rating.id.in_(rating_ids)))}
    overview = []
    for row in providers:
        count, satisfied = window.get(row.id, (0, 0))
        overview.append({
            "provider_id": row.id, "name": row.name, "uscc": row.uscc, "standing": row.state or "good",
            "changed_at": row.changed_at,
            "reasons": [{**reason, "ratings": [behind[rating_id] for rating_id in reason.get("rating_ids", [])
                                               if rating_id in behind]}
                        for reason in (row.reasons or [])],
            "window_ratings": count, "window_satisfied": satisfied,
            "window_rate": (satisfied / count) if count else None,
            "judged": count >= rules.minimum_sample, "recent_bad_reviews": bad.get(row.id, 0),
        })
    overview.sort(key=lambda item: (-_SEVERITY[item["standing"]], item["name"]))
    return overview
