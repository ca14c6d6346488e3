"""Satisfaction statistics (满意率), aggregated in SQL."""
from sqlalchemy import func, select

from ..clock import end_of_day, start_of_day
from ..extensions import db
from ..models import Organisation, Rating, ServiceCode, Standing
from ..models.ratings import SATISFIED_LEVELS
from .errors import Forbidden, Invalid
from .rating import satisfaction_rate
from .standing import worst

FORMULA = "满意率 =（非常满意 + 满意 + 基本满意）÷ 全部评价"


def satisfaction(actor, date_from, date_to):
    """Codes issued, ratings and 满意率 for ``[date_from, date_to]`` (Asia/Shanghai days).

    An agency sees the providers it commissioned; an admin sees every agency. Raises Forbidden for
    other roles, Invalid when the period runs backwards.
    """
    if actor.role not in ("agency", "admin"):
        raise Forbidden("只有委托单位和平台管理员可以查看满意率统计")
    if date_from > date_to:
        raise Invalid({"to": ["结束日期不能早于开始日期"]})
    start, end = start_of_day(date_from), end_of_day(date_to)
    agency_id = actor.org_id if actor.role == "agency" else None

    codes_query = (select(ServiceCode.provider_id, func.count(ServiceCode.id))
                   .where(ServiceCode.approved_at >= start, ServiceCode.approved_at < end)
                   .group_by(ServiceCode.provider_id))
    ratings_query = (select(Rating.provider_id, func.count(Rating.id),
                            func.count(Rating.id).filter(Rating.level.in_(SATISFIED_LEVELS)))
                     .where(Rating.rated_at >= start, Rating.rated_at < end)
                     .group_by(Rating.provider_id))
    standing_query = select(Standing.provider_id, Standing.state)
    if agency_id is not None:
        codes_query = codes_query.where(ServiceCode.agency_id == agency_id)
        ratings_query = ratings_query.where(Rating.agency_id == agency_id)
        standing_query = standing_query.where(Standing.agency_id == agency_id)

    codes = dict(db.session.execute(codes_query).all())
    ratings = {provider: (total, satisfied) for provider, total, satisfied in db.session.execute(ratings_query)}
    standings = {}
    for provider, state in db.session.execute(standing_query):
        standings.setdefault(provider, []).append(state)
    provider_ids = sorted(set(codes) | set(ratings))
    providers = {org_id: (name, uscc) for org_id, name, uscc in db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.uscc).where(Organisation.id.in_(provider_ids)))}

    total = sum(count for count, _ in ratings.values())
    satisfied = sum(count for _, count in ratings.values())
    by_provider = []
    for provider in provider_ids:
        count, happy = ratings.get(provider, (0, 0))
        by_provider.append({
            "provider_uscc": providers[provider][1], "name": providers[provider][0], "codes_issued": codes.get(provider, 0),
            "ratings": count, "satisfaction_rate": satisfaction_rate(happy, count),
            "standing": worst(standings.get(provider, [])),
        })
    by_provider.sort(key=lambda item: (-(item["ratings"]), item["provider_uscc"]))
    return {
        "from": date_from.isoformat(), "to": date_to.isoformat(),
        "codes_issued": sum(codes.values()), "ratings": total, "satisfied": satisfied,
        "satisfaction_rate": satisfaction_rate(satisfied, total), "formula": FORMULA,
        "by_provider": by_provider,
    }
