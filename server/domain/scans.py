"""Failed scans (异常核验): what the agency reads to find forged or misused codes in circulation.

Every scan is kept, valid or not (``verifying.verify_scan``). A failed scan belongs to the agency of
the code it names: ``scans.code_id`` when the code was found, else ``scans.claimed_code_id``, the
code id a forged token claims — so a forgery of a real code shows up under that code's agency and
provider. Counts are aggregated in SQL.
"""
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from ..clock import end_of_day, start_of_day, today
from ..extensions import db
from ..models import Organisation, Scan, ServiceCode
from .errors import Forbidden
from .stats import check_period

#: The reason that means "forged or altered": the rows an agency must see first.
FORGED = "bad_signature"


def default_period(date_from=None, date_to=None):
    """The period asked for, with the statistics' defaults: up to today, from the 1st of January of
    the end date's year."""
    date_to = date_to or today()
    return date_from or date(date_to.year, 1, 1), date_to


def failed_scans(actor, date_from=None, date_to=None, limit=300):
    """Failed scans (``valid`` false) in ``[date_from, date_to]`` (Asia/Shanghai days; defaults as
    :func:`default_period`) of codes of the actor's agency — an admin sees every agency's, and the
    scans that name no code at all.

    Returns ``{"from", "to", "total", "forged", "scans", "by_provider", "by_enterprise",
    "by_reason"}``: the newest ``limit`` scans (time, reason, raw input as stored, the code named,
    its provider, the scanning organisation) and the counts per provider, per scanning
    organisation (the enterprise at the door; None for anonymous scans) and per reason, each with
    how many were forged. Raises Forbidden for other roles, Invalid for a bad period.
    """
    if actor.role not in ("agency", "admin"):
        raise Forbidden("只有委托单位和平台管理员可以查看异常扫码")
    date_from, date_to = default_period(date_from, date_to)
    check_period(date_from, date_to)
    provider, scanner = aliased(Organisation, name="provider"), aliased(Organisation, name="scanner")
    named_code = func.coalesce(Scan.code_id, Scan.claimed_code_id)
    forged = func.count(Scan.id).filter(Scan.reason == FORGED)

    def scoped(query):
        query = query.where(Scan.valid.is_(False), Scan.scanned_at >= start_of_day(date_from),
                            Scan.scanned_at < end_of_day(date_to))
        if actor.role == "agency":
            return query.join(ServiceCode, ServiceCode.id == named_code).where(ServiceCode.agency_id == actor.org_id)
        return query.outerjoin(ServiceCode, ServiceCode.id == named_code)

    rows = db.session.execute(scoped(
        select(Scan.id, Scan.scanned_at, Scan.reason, Scan.raw_input, Scan.scope_item, Scan.dynamic,
               named_code.label("code_id"), Scan.claimed_code_id, ServiceCode.human_code,
               ServiceCode.provider_id, provider.name.label("provider_name"),
               Scan.scanner_org_id, scanner.name.label("scanner_name"), scanner.kind.label("scanner_kind"))
        .select_from(Scan)
    ).outerjoin(provider, provider.id == ServiceCode.provider_id)
     .outerjoin(scanner, scanner.id == Scan.scanner_org_id)
     .order_by(Scan.scanned_at.desc(), Scan.id.desc()).limit(limit)).all()

    by_provider = db.session.execute(scoped(
        select(ServiceCode.provider_id, provider.name, provider.uscc, func.count(Scan.id), forged).select_from(Scan)
    ).outerjoin(provider, provider.id == ServiceCode.provider_id)
     .group_by(ServiceCode.provider_id, provider.name, provider.uscc)
     .order_by(forged.desc(), func.count(Scan.id).desc(), provider.name.is_(None), provider.name)).all()

    by_enterprise = db.session.execute(scoped(
        select(Scan.scanner_org_id, scanner.name, scanner.kind, func.count(Scan.id), forged).select_from(Scan)
    ).outerjoin(scanner, scanner.id == Scan.scanner_org_id)
     .group_by(Scan.scanner_org_id, scanner.name, scanner.kind)
     .order_by(forged.desc(), func.count(Scan.id).desc(), scanner.name.is_(None), scanner.name)).all()

    by_reason = db.session.execute(scoped(
        select(Scan.reason, func.count(Scan.id)).select_from(Scan)
    ).group_by(Scan.reason).order_by(case((Scan.reason == FORGED, 0), else_=1), func.count(Scan.id).desc(),
                                     Scan.reason)).all()

    return {
        "from": date_from.isoformat(), "to": date_to.isoformat(),
        "total": sum(count for _reason, count in by_reason),
        "forged": sum(count for reason, count in by_reason if reason == FORGED),
        "scans": rows,
        "by_provider": [{"provider_id": provider_id, "name": name, "uscc": uscc, "failed": count, "forged": forgeries}
                        for provider_id, name, uscc, count, forgeries in by_provider],
        "by_enterprise": [{"org_id": org_id, "name": name, "kind": kind, "failed": count, "forged": forgeries}
                          for org_id, name, kind, count, forgeries in by_enterprise],
        "by_reason": [{"reason": reason, "failed": count} for reason, count in by_reason],
    }
