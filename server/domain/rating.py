"""Rating a visit (服务评价) and the satisfaction rate (满意率)."""
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..clock import BUSINESS_TZ, as_utc, end_of_day, now, start_of_day
from ..extensions import db
from ..models import Rating, ServiceCode, Visit
from ..models.ratings import BAD_LEVELS, FLAGS, LEVELS
from . import audit
from .errors import Conflict, Forbidden, Invalid, NotFound
from .exit_rules import RED_LINE_FLAGS
from .standing import evaluate_standing

RATING_PERIOD = timedelta(days=30)
COMMENT_LIMIT = 1000
# A code allows any number of entries, and the enterprise can end a visit the moment it opened:
# without this limit one enterprise could rate one code again and again in a minute and weigh on
# the statistics alone. Entries on one day of one code are one service, rated once — except that
# a bad review (a report of what went wrong) always reaches the agency.
SAME_DAY_REFUSAL = ("同一服务码同一天的入企只评价一次，当天的另一次入企已经评价过；"
                    "如遇问题，仍可选择不满意或勾选问题标记向委托单位反映")


def is_bad_review(level, flags):
    """A bad review (差评): level 1 or 2, or any flag."""
    return level in BAD_LEVELS or bool(flags)


def rate_visit(actor, visit_id, level, flags=(), comment=None, followup=False):
    """The visit's enterprise rates it, once, within 30 days of its end; after a bad review it may
    add one follow-up rating (``followup=True``) while the case is open or within 30 days of its
    closing. The follow-up counts beside the first rating.

    Raises Forbidden when the actor is not the visit's enterprise, NotFound for no such visit,
    Invalid for a level outside 1..5 or an unknown flag, Conflict when the visit is still open,
    the rating period is over, it is rated already, or — for a rating that is not a bad review —
    another visit of the same code on the same day (Asia/Shanghai) is rated already. A bad review
    opens a case (a bad follow-up is noted on the first review's case instead, unless it brings a
    red-line flag of its own); the provider's standing is re-evaluated.
    """
    if actor.role != "enterprise":
        raise Forbidden("只有企业可以评价服务")
    errors = {}
    if level not in LEVELS:
        errors["level"] = ["评价等级须为 1 到 5"]
    flags = list(dict.fromkeys(flags or []))
    unknown = [flag for flag in flags if flag not in FLAGS]
    if unknown:
        errors["flags"] = [f"未知的问题标记：{', '.join(map(str, unknown))}"]
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > COMMENT_LIMIT:
        errors["comment"] = [f"评价内容不超过 {COMMENT_LIMIT} 字"]
    if errors:
        raise Invalid(errors)
    visit = db.session.scalar(select(Visit).where(Visit.id == visit_id).with_for_update())
    if visit is None:
        raise NotFound("入企记录不存在")
    if visit.enterprise_id != actor.org_id:
        raise Forbidden("只能评价本企业的入企服务")
    bad = is_bad_review(level, flags)
    if followup:
        first_case = _check_followup(visit)
    else:
        refusal = rating_refusal(visit)
        if refusal is None and not bad and rated_that_day(visit, lock=True):
            refusal = SAME_DAY_REFUSAL
        if refusal:
            raise Conflict(refusal)
    rating = Rating(
        visit_id=visit.id, followup=followup, agency_id=visit.agency_id, provider_id=visit.provider_id,
        enterprise_id=visit.enterprise_id, rated_by_id=actor.id, rated_at=now(), level=level,
        flags=flags, comment=comment, bad=bad,
    )
    try:
        with db.session.begin_nested():
            db.session.add(rating)
    except IntegrityError:
        # Another request rated the same visit a moment ago.
        raise Conflict("该次服务已经追加过评价" if followup else "该次服务已经评价过")
    audit.record(actor, "rating.followup" if followup else "rating.create", rating,
                 after={"visit_id": visit.id, "level": level, "flags": flags})
    if rating.bad:
        from .cases import note_followup, open_case  # cases imports standing, which this module imports too

        if followup and first_case is not None and not _new_red_lines(rating, first_case):
            # Still bad after the rectification: the case of the first review hears of it; a
            # second case would double the deadlines. A red-line flag new with it needs a decision
            # of its own, in a case of its own.
            note_followup(first_case, rating)
        else:
            open_case(rating, visit)
    evaluate_standing(visit.agency_id, visit.provider_id)
    return rating


def _new_red_lines(rating, case):
    """The red-line flags of ``rating`` that ``case`` does not hold yet."""
    return (set(rating.flags) & set(RED_LINE_FLAGS)) - set(case.red_flags or [])


def rated_that_day(visit, lock=False):
    """Whether another visit of the same code, entered the same day (Asia/Shanghai), has its first
    rating already. ``lock``: the code's row is locked first, so that two ratings of two such visits
    arriving at once are judged one after the other."""
    if lock:
        db.session.execute(select(ServiceCode.id).where(ServiceCode.id == visit.code_id).with_for_update())
    day = as_utc(visit.entered_at).astimezone(BUSINESS_TZ).date()
    other = db.session.scalar(
        select(Rating.id).join(Visit, Visit.id == Rating.visit_id)
        .where(Visit.code_id == visit.code_id, Visit.id != visit.id, Rating.followup.is_(False),
               Visit.entered_at >= start_of_day(day), Visit.entered_at < end_of_day(day)).limit(1))
    return other is not None


def rating_refusal(visit):
    """Why the visit's enterprise cannot give its (first) rating now, or None: the pages ask this
    before they offer the form, :func:`rate_visit` raises it as a Conflict. (A good rating may be
    refused besides, when another visit of the code that day is rated: :func:`rated_that_day`.)"""
    if visit.closed_at is None:
        return "服务尚未结束，结束后才能评价"
    if now() > as_utc(visit.closed_at) + RATING_PERIOD:
        return "已超过 30 天评价期限"
    if _first_rating(visit.id) is not None:
        return "该次服务已经评价过"
    return None


def _first_rating(visit_id):
    # Queried, not read from visit.rating: a relationship loaded earlier in this session would
    # not know about a rating added since.
    return db.session.scalar(select(Rating).where(Rating.visit_id == visit_id, Rating.followup.is_(False)))


def _check_followup(visit):
    """A follow-up needs a bad first rating, no follow-up yet, and an open (or lately closed) case.
    Returns that case; raises Conflict otherwise."""
    from .cases import case_of_rating

    first = _first_rating(visit.id)
    has_followup = first is not None and db.session.scalar(
        select(Rating.id).where(Rating.visit_id == visit.id, Rating.followup.is_(True))) is not None
    case = case_of_rating(first.id) if first is not None and first.bad else None
    refusal = followup_refusal(first is not None and first.bad, has_followup, case.closed_at if case else None)
    if refusal:
        raise Conflict(refusal)
    return case


def followup_refusal(after_bad_review, has_followup, case_closed_at, instant=None):
    """Why the one follow-up rating is not allowed (the message), or None when it is: it needs a
    first rating that was a bad review, no follow-up yet, and the case open or closed for at most
    30 days. The rating itself and the pages offering the follow-up both ask this function."""
    if not after_bad_review:
        return "只有差评之后才能追加评价"
    if has_followup:
        return "该次服务已经追加过评价"
    if case_closed_at is not None and (instant or now()) > as_utc(case_closed_at) + RATING_PERIOD:
        return "差评处理办结已超过 30 天，不能再追加评价"
    return None


def satisfaction_rate(satisfied, total):
    """满意率 = (levels 5+4+3) ÷ all ratings; None when there are no ratings."""
    return (satisfied / total) if total else None


def ratings_received(provider_id, rating_ids=None, limit=500):
    """The ratings of the provider's visits, newest first, as the provider may read them.

    Ratings are anonymous towards the provider: the rows carry level, flags, comment, date and
    whether the rating is a bad review or the follow-up after one — never the rater, the
    enterprise or the visit (so that a rating cannot be matched to the visit it rates).
    ``rating_ids`` narrows the list to the ratings behind a standing decision.
    """
    query = (
        select(Rating.level, Rating.flags, Rating.comment, Rating.rated_at, Rating.bad, Rating.followup)
        .where(Rating.provider_id == provider_id)
        .order_by(Rating.rated_at.desc(), Rating.id.desc())
        .limit(limit)
    )
    if rating_ids is not None:
        query = query.where(Rating.id.in_(list(rating_ids)))
    return db.session.execute(query).all()


def bad_reviews_for_agency(agency_id, provider_id=None, limit=300):
    """Bad reviews (差评) of the providers the agency commissioned, newest first, real-name towards
    the agency: each row carries the rating, provider and enterprise names, the rater's username,
    the code's human code and the steps of the case the review opened (``case_id`` None when there
    is none). One query. Raises Invalid for a provider id no row can have."""
    from sqlalchemy.orm import aliased

    from .stats import check_provider_filter

    check_provider_filter(provider_id)

    from ..models import Organisation, ReviewCase, User

    provider, enterprise = aliased(Organisation), aliased(Organisation)
    query = (select(Rating.id, Rating.level, Rating.flags, Rating.comment, Rating.rated_at, Rating.followup,
                    Rating.visit_id, provider.name.label("provider_name"),
                    enterprise.name.label("enterprise_name"), User.username.label("rater"),
                    ServiceCode.human_code, ReviewCase.id.label("case_id"), ReviewCase.contact_due,
                    ReviewCase.contacted_at, ReviewCase.rectify_due, ReviewCase.rectified_at, ReviewCase.closed_at)
             .join(provider, provider.id == Rating.provider_id)
             .join(enterprise, enterprise.id == Rating.enterprise_id)
             .join(Visit, Visit.id == Rating.visit_id)
             .join(ServiceCode, ServiceCode.id == Visit.code_id)
             .outerjoin(User, User.id == Rating.rated_by_id)
             .outerjoin(ReviewCase, ReviewCase.rating_id == Rating.id)
             .where(Rating.agency_id == agency_id, Rating.bad.is_(True))
             .order_by(Rating.rated_at.desc(), Rating.id.desc()).limit(limit))
    if provider_id is not None:
        query = query.where(Rating.provider_id == provider_id)
    return db.session.execute(query).all()
