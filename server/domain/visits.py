"""Visits (入企记录): closing them and listing them."""
from sqlalchemy import select

from ..clock import now
from ..extensions import db
from ..models import Visit
from . import audit
from .errors import Conflict, Forbidden, Invalid, NotFound


def _visit_snapshot(visit):
    return {"status": visit.status, "closed_at": visit.closed_at.isoformat() if visit.closed_at else None}


def _locked_visit(visit_id):
    visit = db.session.scalar(select(Visit).where(Visit.id == visit_id).with_for_update())
    if visit is None:
        raise NotFound("入企记录不存在")
    return visit


def complete_visit(actor, visit_id, summary):
    """The provider marks its visit done with a summary. Raises NotFound for another provider's
    visit, Conflict when it is already closed, Invalid without a summary."""
    if actor.role != "provider":
        raise Forbidden("只有第三方机构可以完成服务")
    summary = (summary or "").strip()
    if not summary:
        raise Invalid({"summary": ["请填写服务小结"]})
    visit = _locked_visit(visit_id)
    if visit.provider_id != actor.org_id:
        raise NotFound("入企记录不存在")
    return _close(actor, visit, "completed", summary)


def check_out_visit(actor, visit_id):
    """The enterprise records that the provider has left. Raises NotFound for another enterprise's
    visit, Conflict when it is already closed."""
    if actor.role != "enterprise":
        raise Forbidden("只有企业可以登记离开")
    visit = _locked_visit(visit_id)
    if visit.enterprise_id != actor.org_id:
        raise NotFound("入企记录不存在")
    return _close(actor, visit, "checked_out", None)


def _close(actor, visit, kind, summary):
    if visit.closed_at is not None:
        raise Conflict("该入企记录已结束")
    before = _visit_snapshot(visit)
    visit.closed_at = now()
    visit.closed_by_id = actor.id
    visit.close_kind = kind
    visit.summary = summary
    db.session.flush()
    audit.record(actor, f"visit.{kind}", visit, before=before, after=_visit_snapshot(visit))
    return visit


def visits_for(actor, limit=200):
    """The visits the actor's organisation may see, newest first."""
    column = {"provider": Visit.provider_id, "enterprise": Visit.enterprise_id,
              "agency": Visit.agency_id}.get(actor.role)
    query = select(Visit).order_by(Visit.entered_at.desc(), Visit.id.desc()).limit(limit)
    if column is not None:
        query = query.where(column == actor.org_id)
    return db.session.scalars(query).all()
