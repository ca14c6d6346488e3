"""Rating a visit (服务评价) and the satisfaction rate (满意率)."""
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..clock import as_utc, now
from ..extensions import db
from ..models import Rating, Visit
from ..models.ratings import BAD_LEVELS, FLAGS, LEVELS
from . import audit
from .errors import Conflict, Forbidden, Invalid, NotFound
from .standing import evaluate_standing

RATING_PERIOD = timedelta(days=30)
COMMENT_LIMIT = 1000


def is_bad_review(level, flags):
    """A bad review (差评): level 1 or 2, or any flag."""
    return level in BAD_LEVELS or bool(flags)


def rate_visit(actor, visit_id, level, flags=(), comment=None):
    """The visit's enterprise rates it, once, within 30 days of its end.

    Raises Forbidden when the actor is not the visit's enterprise, NotFound for no such visit,
    Invalid for a level outside 1..5 or an unknown flag, Conflict when the visit is still open,
    the rating period is over, or it is rated already. Re-evaluates the provider's standing.
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
    if visit.closed_at is None:
        raise Conflict("服务尚未结束，结束后才能评价")
    if now() > as_utc(visit.closed_at) + RATING_PERIOD:
        raise Conflict("已超过 30 天评价期限")
    if visit.rating is not None:
        raise Conflict("该次服务已经评价过")
    rating = Rating(
        visit_id=visit.id, followup=False, agency_id=visit.agency_id, provider_id=visit.provider_id,
        enterprise_id=visit.enterprise_id, rated_by_id=actor.id, rated_at=now(), level=level,
        flags=flags, comment=comment, bad=is_bad_review(level, flags),
    )
    try:
        with db.session.begin_nested():
            db.session.add(rating)
    except IntegrityError:
        # Another request rated the same visit a moment ago.
        raise Conflict("该次服务已经评价过")
    audit.record(actor, "rating.create", rating, after={"visit_id": visit.id, "level": level, "flags": flags})
    evaluate_standing(visit.agency_id, visit.provider_id)
    return rating


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
