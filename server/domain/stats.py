"""Satisfaction statistics (满意率), aggregated in SQL."""
from datetime import date

from sqlalchemy import case, func, select

from ..clock import EARLIEST_DAY, LATEST_DAY, end_of_day, start_of_day
from ..extensions import db
from ..models import MAX_ROW_ID, Commission, Organisation, Rating, ServiceCode, Standing, Visit
from ..models.ratings import SATISFIED_LEVELS
from .errors import Forbidden, Invalid
from .rating import satisfaction_rate
from .standing import worst

FORMULA = "满意率 =（非常满意 + 满意 + 基本满意）÷ 全部评价"


def satisfaction(actor, date_from, date_to):
    """Codes issued, ratings and 满意率 for ``[date_from, date_to]`` (Asia/Shanghai days).

    An agency sees the providers it commissioned; an admin sees every agency. Raises Forbidden for
    other roles, Invalid for a period that breaks :func:`check_period`.
    """
    if actor.role not in ("agency", "admin"):
        raise Forbidden("只有委托单位和平台管理员可以查看满意率统计")
    check_period(date_from, date_to)
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


# ---- the agency console's dashboard ---------------------------------------------------------

# A period names days in EARLIEST_DAY … LATEST_DAY (server.clock), as every business date does.
#: The longest period of a dashboard or an export: the monthly series stays a readable chart.
MAX_PERIOD_MONTHS = 120


def check_period(date_from, date_to):
    """Raise Invalid unless ``[date_from, date_to]`` runs forward, lies within 2000–2099 and spans
    at most ten years. The dashboard and the Excel export share this one rule."""
    if date_from is None or date_to is None:
        raise Invalid({"from": ["请选择开始和结束日期"]})
    for field, day in (("from", date_from), ("to", date_to)):
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise Invalid({field: [f"日期须在 {EARLIEST_DAY.isoformat()} 至 {LATEST_DAY.isoformat()} 之间"]})
    if date_from > date_to:
        raise Invalid({"to": ["结束日期不能早于开始日期"]})
    if len(_months(date_from, date_to)) > MAX_PERIOD_MONTHS:
        raise Invalid({"from": [f"统计区间最长 {MAX_PERIOD_MONTHS // 12} 年"]})


def check_provider_filter(provider_id, field="provider"):
    """Raise Invalid for a provider filter that no row can have (the schemas bound ids; this keeps
    a caller that read the id with a plain integer from an overflow in the database)."""
    if provider_id is not None and not 1 <= provider_id <= MAX_ROW_ID:
        raise Invalid({field: ["请从列表中选择机构"]})


def _months(date_from, date_to):
    """The first days of the months that ``[date_from, date_to]`` touches, in order."""
    months, day = [], date(date_from.year, date_from.month, 1)
    while day <= date_to:
        months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def _month_bucket(column, date_from, date_to):
    """A CASE expression naming the Asia/Shanghai month ("2026-11") of ``column`` (UTC instants).

    The month boundaries are computed here, so the same SQL runs on SQLite and PostgreSQL; rows
    are already limited to the period, so each branch only needs the month's upper bound.
    """
    branches = []
    for first in _months(date_from, date_to):
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        branches.append((column < start_of_day(following), f"{first.year:04d}-{first.month:02d}"))
    return case(*branches, else_=None)


def _scoped_ratings(query, agency_id, provider_id, category):
    if agency_id is not None:
        query = query.where(Rating.agency_id == agency_id)
    if provider_id is not None:
        query = query.where(Rating.provider_id == provider_id)
    if category:
        query = (query.join(Visit, Visit.id == Rating.visit_id)
                 .join(ServiceCode, ServiceCode.id == Visit.code_id)
                 .join(Commission, Commission.id == ServiceCode.commission_id)
                 .where(Commission.category == category))
    return query


def _scoped_codes(query, agency_id, provider_id, category):
    if agency_id is not None:
        query = query.where(ServiceCode.agency_id == agency_id)
    if provider_id is not None:
        query = query.where(ServiceCode.provider_id == provider_id)
    if category:
        query = (query.join(Commission, Commission.id == ServiceCode.commission_id)
                 .where(Commission.category == category))
    return query


def dashboard(actor, date_from, date_to, provider_id=None, category=None):
    """The satisfaction dashboard for ``[date_from, date_to]`` (Asia/Shanghai days), optionally of
    one provider and one commission category.

    Returns codes issued (approved in the period), ratings, satisfied ratings, bad reviews, 满意率
    with its formula, a series by month and the providers ranked by 满意率. Everything is counted
    in SQL (GROUP BY); an agency sees what it commissioned, an admin every agency.
    Raises Forbidden for other roles, Invalid for a period that :func:`check_period` refuses or a
    provider id no row can have.
    """
    if actor.role not in ("agency", "admin"):
        raise Forbidden("只有委托单位和平台管理员可以查看满意率统计")
    check_period(date_from, date_to)
    check_provider_filter(provider_id)
    start, end = start_of_day(date_from), end_of_day(date_to)
    agency_id = actor.org_id if actor.role == "agency" else None
    scope = (agency_id, provider_id, category)

    satisfied_count = func.count(Rating.id).filter(Rating.level.in_(SATISFIED_LEVELS))
    in_period = (Rating.rated_at >= start, Rating.rated_at < end)
    by_provider_query = _scoped_ratings(
        select(Rating.provider_id, func.count(Rating.id), satisfied_count,
               func.count(Rating.id).filter(Rating.bad.is_(True))).where(*in_period),
        *scope).group_by(Rating.provider_id)
    ratings = {row[0]: row[1:] for row in db.session.execute(by_provider_query)}
    codes_query = _scoped_codes(
        select(ServiceCode.provider_id, func.count(ServiceCode.id))
        .where(ServiceCode.approved_at >= start, ServiceCode.approved_at < end), *scope
    ).group_by(ServiceCode.provider_id)
    codes = dict(db.session.execute(codes_query).all())

    rated_months = _scoped_ratings(
        select(_month_bucket(Rating.rated_at, date_from, date_to).label("month"), Rating.id, Rating.level)
        .where(*in_period), *scope).subquery()
    month_ratings = {month: (count, satisfied) for month, count, satisfied in db.session.execute(
        select(rated_months.c.month, func.count(rated_months.c.id),
               func.count(rated_months.c.id).filter(rated_months.c.level.in_(SATISFIED_LEVELS)))
        .group_by(rated_months.c.month))}
    issued_months = _scoped_codes(
        select(_month_bucket(ServiceCode.approved_at, date_from, date_to).label("month"), ServiceCode.id)
        .where(ServiceCode.approved_at >= start, ServiceCode.approved_at < end), *scope).subquery()
    month_codes = dict(db.session.execute(
        select(issued_months.c.month, func.count(issued_months.c.id)).group_by(issued_months.c.month)).all())

    names = {org_id: (name, uscc) for org_id, name, uscc in db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.uscc)
        .where(Organisation.id.in_(set(ratings) | set(codes))))}
    by_provider = []
    for org_id, (name, uscc) in names.items():
        count, satisfied, bad = ratings.get(org_id, (0, 0, 0))
        by_provider.append({
            "provider_id": org_id, "name": name, "provider_uscc": uscc, "codes_issued": codes.get(org_id, 0),
            "ratings": count, "satisfied": satisfied, "bad_reviews": bad,
            "satisfaction_rate": satisfaction_rate(satisfied, count),
        })
    # The ranking: best 满意率 first, more ratings breaking ties; providers without ratings last.
    by_provider.sort(key=lambda item: (item["satisfaction_rate"] is None, -(item["satisfaction_rate"] or 0),
                                       -item["ratings"], item["name"]))
    months = []
    for first in _months(date_from, date_to):
        key = f"{first.year:04d}-{first.month:02d}"
        count, satisfied = month_ratings.get(key, (0, 0))
        months.append({"month": key, "ratings": count, "satisfied": satisfied,
                       "satisfaction_rate": satisfaction_rate(satisfied, count),
                       "codes_issued": month_codes.get(key, 0)})
    total = sum(values[0] for values in ratings.values())
    satisfied = sum(values[1] for values in ratings.values())
    return {
        "from": date_from.isoformat(), "to": date_to.isoformat(), "formula": FORMULA,
        "codes_issued": sum(codes.values()), "ratings": total, "satisfied": satisfied,
        "bad_reviews": sum(values[2] for values in ratings.values()),
        "satisfaction_rate": satisfaction_rate(satisfied, total),
        "months": months, "by_provider": by_provider,
    }
