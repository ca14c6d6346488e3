"""Bad-review cases (差评处理): 谁委托、谁负责.

A bad review opens a case for the commissioning agency. The agency contacts the enterprise within
1 working day (核实/回访: by the end of the next working day in Asia/Shanghai), the provider reports
its rectification within 15 days (整改: by the end of the 15th calendar day), the agency closes the
case. Red-line flags wait for the agency to confirm or dismiss them; a confirmed one applies the
exit rule. The enterprise may add one follow-up rating, which counts beside the first.
"""
from datetime import timedelta

from sqlalchemy import and_, func, or_, select

from ..clock import BUSINESS_TZ, as_utc, end_of_day, now
from ..extensions import db
from ..models import Organisation, ReviewCase
from ..models.ratings import FLAGS
from . import audit
from .errors import Conflict, Forbidden, Invalid, NotFound
from .exit_rules import RED_LINE_FLAGS
from .notify import notify
from .standing import evaluate_standing
from .workdays import add_working_days

CONTACT_WORKING_DAYS = 1
RECTIFY_DAYS = 15
NOTE_LIMIT = 2000


def deadlines(opened_at):
    """``(contact_due, rectify_due)`` for a case opened at ``opened_at`` (aware datetime)."""
    opened_day = opened_at.astimezone(BUSINESS_TZ).date()
    contact_day = add_working_days(opened_day, CONTACT_WORKING_DAYS)
    rectify_day = opened_day + timedelta(days=RECTIFY_DAYS)
    # end_of_day is the first instant of the next day; a deadline is the last instant of its day.
    return end_of_day(contact_day) - timedelta(microseconds=1), end_of_day(rectify_day) - timedelta(microseconds=1)


def case_status(case):
    """open → contacted → rectified → closed, as people read it."""
    if case.closed_at is not None:
        return "closed"
    if case.rectified_at is not None:
        return "rectified"
    if case.contacted_at is not None:
        return "contacted"
    return "open"


def overdue_steps(case, instant=None):
    """Which steps are late: a subset of ("contact", "rectify")."""
    instant = instant or now()
    if case.closed_at is not None:
        return ()
    late = []
    if case.contacted_at is None and as_utc(case.contact_due) < instant:
        late.append("contact")
    if case.rectified_at is None and as_utc(case.rectify_due) < instant:
        late.append("rectify")
    return tuple(late)


def open_case(rating, visit):
    """Open the case of a bad review and tell the agency and the provider. Returns the case."""
    opened = now()
    contact_due, rectify_due = deadlines(opened)
    case = ReviewCase(
        rating_id=rating.id, visit_id=visit.id, agency_id=visit.agency_id, provider_id=visit.provider_id,
        enterprise_id=visit.enterprise_id, opened_at=opened, contact_due=contact_due, rectify_due=rectify_due,
        red_flags=[flag for flag in rating.flags if flag in RED_LINE_FLAGS],
    )
    db.session.add(case)
    db.session.flush()
    audit.record(None, "case.open", case, after={"rating_id": rating.id, "contact_due": contact_due.isoformat(),
                                                 "rectify_due": rectify_due.isoformat()})
    flags = "、".join(FLAGS[flag] for flag in rating.flags) or "无"
    enterprise = db.session.get(Organisation, visit.enterprise_id)
    notify(visit.agency_id, "bad_review", f"新差评：{enterprise.name}",
           f"评价等级 {rating.level}，问题标记：{flags}。请于 {_local(contact_due)} 前联系企业核实。", case)
    notify(visit.provider_id, "bad_review", "收到差评",
           f"评价等级 {rating.level}，问题标记：{flags}。请于 {_local(rectify_due)} 前完成整改并报告。", case)
    return case


def note_followup(case, rating):
    """A follow-up rating that is still a bad review: recorded on the case of the first review and
    told to the agency and the provider (no second case, no second set of deadlines)."""
    audit.record(None, "case.followup", case, after={"rating_id": rating.id, "level": rating.level,
                                                     "flags": list(rating.flags)})
    flags = "、".join(FLAGS[flag] for flag in rating.flags) or "无"
    enterprise = db.session.get(Organisation, case.enterprise_id)
    state = "办结后" if case.closed_at is not None else "处理中"
    notify(case.agency_id, "bad_review", f"追加评价仍为差评：{enterprise.name}",
           f"差评处理{state}，企业追加评价等级 {rating.level}，问题标记：{flags}。", case)
    notify(case.provider_id, "bad_review", "追加评价仍为差评",
           f"企业追加评价等级 {rating.level}，问题标记：{flags}。请继续整改。", case)


def _local(instant):
    return instant.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")


def _case_for(actor, case_id, side):
    case = db.session.scalar(select(ReviewCase).where(ReviewCase.id == case_id).with_for_update())
    owner = {"agency": case.agency_id if case else None, "provider": case.provider_id if case else None,
             "enterprise": case.enterprise_id if case else None}
    if case is None or actor.role not in side or owner[actor.role] != actor.org_id:
        raise NotFound("差评处理记录不存在")
    return case


def _note(note, field="note"):
    note = (note or "").strip()
    if not note:
        raise Invalid({field: ["请填写处理情况"]})
    if len(note) > NOTE_LIMIT:
        raise Invalid({field: [f"不超过 {NOTE_LIMIT} 字"]})
    return note


def _snapshot(case):
    return {"status": case_status(case), "flag_decision": case.flag_decision}


def record_contact(actor, case_id, note):
    """The agency records that it contacted the enterprise (核实/回访). Raises Conflict when it is
    recorded already or the case is closed."""
    note = _note(note)
    case = _case_for(actor, case_id, ("agency",))
    if case.closed_at is not None or case.contacted_at is not None:
        raise Conflict("已登记过联系企业，或案件已办结")
    before = _snapshot(case)
    case.contacted_at, case.contacted_by_id, case.contact_note = now(), actor.id, note
    db.session.flush()
    audit.record(actor, "case.contact", case, before=before, after=_snapshot(case))
    return case


def record_rectification(actor, case_id, note):
    """The provider reports its rectification (整改). Raises Conflict when reported already or closed."""
    note = _note(note)
    case = _case_for(actor, case_id, ("provider",))
    if case.closed_at is not None or case.rectified_at is not None:
        raise Conflict("已报告过整改，或案件已办结")
    before = _snapshot(case)
    case.rectified_at, case.rectified_by_id, case.rectification_note = now(), actor.id, note
    db.session.flush()
    audit.record(actor, "case.rectify", case, before=before, after=_snapshot(case))
    return case


def close_case(actor, case_id, note):
    """The agency closes the case. Raises Conflict before the enterprise was contacted, or while a
    red-line flag still waits for a decision, or when it is closed already."""
    note = _note(note)
    case = _case_for(actor, case_id, ("agency",))
    if case.closed_at is not None:
        raise Conflict("案件已办结")
    if case.contacted_at is None:
        raise Conflict("请先登记联系企业核实的情况")
    if case.red_flags and case.flag_decision is None:
        raise Conflict("请先认定或排除红线问题")
    before = _snapshot(case)
    case.closed_at, case.closed_by_id, case.close_note = now(), actor.id, note
    db.session.flush()
    audit.record(actor, "case.close", case, before=before, after=_snapshot(case))
    return case


def decide_flags(actor, case_id, decision, note):
    """The agency confirms or dismisses the case's red-line flags; a confirmation applies the exit
    rule at once. Raises Invalid for another decision word, Conflict without red-line flags or
    when decided already."""
    if decision not in ("confirmed", "dismissed"):
        raise Invalid({"decision": ["须为 confirmed（认定）或 dismissed（排除）"]})
    note = _note(note)
    case = _case_for(actor, case_id, ("agency",))
    if not case.red_flags:
        raise Conflict("该差评没有需要认定的红线问题")
    if case.flag_decision is not None:
        raise Conflict("红线问题已认定或排除")
    before = _snapshot(case)
    case.flag_decision, case.flag_decided_at, case.flag_decided_by_id, case.flag_note = decision, now(), actor.id, note
    db.session.flush()
    audit.record(actor, f"case.flag_{decision}", case, before=before,
                 after={**_snapshot(case), "red_flags": list(case.red_flags), "note": note})
    labels = "、".join(FLAGS[flag] for flag in case.red_flags)
    notify(case.provider_id, "flag_decided", f"红线问题{'认定' if decision == 'confirmed' else '排除'}：{labels}", note, case)
    if decision == "confirmed":
        evaluate_standing(case.agency_id, case.provider_id)
    return case


def cases_for(actor, only_open=False):
    """The cases the actor's organisation takes part in, newest first."""
    column = {"agency": ReviewCase.agency_id, "provider": ReviewCase.provider_id,
              "enterprise": ReviewCase.enterprise_id}.get(actor.role)
    if column is None and actor.role != "admin":
        raise Forbidden("无权查看差评处理")
    query = select(ReviewCase).order_by(ReviewCase.id.desc())
    if column is not None:
        query = query.where(column == actor.org_id)
    if only_open:
        query = query.where(ReviewCase.closed_at.is_(None))
    return db.session.scalars(query).all()


def _overdue_condition(instant):
    return and_(ReviewCase.closed_at.is_(None), or_(
        and_(ReviewCase.contacted_at.is_(None), ReviewCase.contact_due < instant),
        and_(ReviewCase.rectified_at.is_(None), ReviewCase.rectify_due < instant)))


def overdue_count(agency_id):
    """How many of the agency's open cases are past a deadline now."""
    return db.session.scalar(select(func.count(ReviewCase.id))
                             .where(ReviewCase.agency_id == agency_id, _overdue_condition(now())))


def notify_overdue():
    """Tell agency and provider once about each case that went past a deadline. Returns the count.
    Run it from cron: ``flask cases notify-overdue``."""
    instant = now()
    late = db.session.scalars(select(ReviewCase).where(_overdue_condition(instant),
                                                       ReviewCase.overdue_notified_at.is_(None))
                              .order_by(ReviewCase.id).with_for_update()).all()
    for case in late:
        steps = "、".join({"contact": "联系企业核实", "rectify": "整改报告"}[step] for step in overdue_steps(case, instant))
        notify(case.agency_id, "case_overdue", f"差评处理逾期（第 {case.id} 号）", f"逾期环节：{steps}。", case)
        if "rectify" in overdue_steps(case, instant):
            notify(case.provider_id, "case_overdue", f"整改报告逾期（第 {case.id} 号）", "请尽快提交整改报告。", case)
        case.overdue_notified_at = instant
    return len(late)


def case_of_rating(rating_id):
    """The case a rating opened, or None."""
    return db.session.scalar(select(ReviewCase).where(ReviewCase.rating_id == rating_id))


# ---- reading cases for the API and the pages ----------------------------------------------

def _details_query():
    """Each case with its bad review, the follow-up rating (if any), both organisations' names and
    the rater's username: one SELECT, whatever the number of cases."""
    from sqlalchemy.orm import aliased

    from ..models import Rating, User

    case = aliased(ReviewCase, name="case")
    rating, followup = aliased(Rating, name="rating"), aliased(Rating, name="followup")
    provider, enterprise = aliased(Organisation, name="provider"), aliased(Organisation, name="enterprise")
    query = (select(case, rating.level, rating.flags, rating.comment, rating.rated_at,
                    rating.followup.label("is_followup"),
                    followup.level.label("followup_level"), followup.rated_at.label("followup_rated_at"),
                    provider.name.label("provider_name"), provider.uscc.label("provider_uscc"),
                    enterprise.name.label("enterprise_name"), enterprise.uscc.label("enterprise_uscc"),
                    User.username.label("rater"))
             .join(rating, rating.id == case.rating_id)
             # The follow-up beside a first bad review; a case opened by the follow-up itself has none.
             .outerjoin(followup, and_(followup.visit_id == case.visit_id, followup.followup.is_(True),
                                       rating.followup.is_(False)))
             .join(provider, provider.id == case.provider_id)
             .join(enterprise, enterprise.id == case.enterprise_id)
             .outerjoin(User, User.id == rating.rated_by_id)
             .order_by(case.id.desc()))
    return query, case, rating


def case_details(actor, only_open=False, limit=500):
    """The cases the actor's organisation takes part in, newest first. Each row holds the case
    (``row.case``); its rating (``level``, ``flags``, ``comment``, ``rated_at``, and ``is_followup``
    when the bad review was itself the follow-up); the follow-up rating beside it
    (``followup_level``, ``followup_rated_at``); the provider's and the enterprise's names and
    USCCs; the rater's username. Which of these an audience may read is the caller's business (the
    provider reads neither the enterprise nor the rater). One query. Raises Forbidden for other
    roles."""
    query, case, _rating = _details_query()
    column = {"agency": case.agency_id, "provider": case.provider_id,
              "enterprise": case.enterprise_id}.get(actor.role)
    if column is None and actor.role != "admin":
        raise Forbidden("无权查看差评处理")
    if column is not None:
        query = query.where(column == actor.org_id)
    if only_open:
        query = query.where(case.closed_at.is_(None))
    return db.session.execute(query.limit(limit)).all()


def case_detail(actor, case_id):
    """One row of :func:`case_details`. Raises NotFound when the case does not exist or the actor's
    organisation takes no part in it (so that nobody can probe which cases exist)."""
    query, case, _rating = _details_query()
    row = db.session.execute(query.where(case.id == case_id)).first()
    owner = None if row is None else {"agency": row.case.agency_id, "provider": row.case.provider_id,
                                      "enterprise": row.case.enterprise_id}.get(actor.role)
    if row is None or (actor.role != "admin" and (owner is None or owner != actor.org_id)):
        raise NotFound("差评处理记录不存在")
    return row


def followup_allowed(row, instant=None):
    """Whether the enterprise may still add its one follow-up rating for a :func:`case_details`
    row (the rule of ``rating.followup_refusal``): only after a first bad review, once."""
    from .rating import followup_refusal

    return followup_refusal(not row.is_followup, row.followup_level is not None, row.case.closed_at,
                            instant) is None


def progress_by_visit(enterprise_id, visit_ids):
    """``{visit_id: row}`` for the enterprise's visits among ``visit_ids`` whose first rating was a
    bad review: the case steps with their dates and the follow-up rating, as in
    :func:`case_details`. One query."""
    visit_ids = list(visit_ids)
    if not visit_ids:
        return {}
    query, case, rating = _details_query()
    rows = db.session.execute(query.where(case.enterprise_id == enterprise_id, case.visit_id.in_(visit_ids),
                                          rating.followup.is_(False))).all()
    return {row.case.visit_id: row for row in rows}
