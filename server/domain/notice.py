"""Advance notice for an enterprise (who may come), and typing a human code instead of scanning."""
from sqlalchemy import select

from ..clock import today
from ..extensions import db
from ..models import ServiceCode, Visit
from .human_code import normalise_human_code


def upcoming_codes(enterprise_id):
    """Active codes issued for the enterprise, still valid, that no visit has used yet."""
    used = select(Visit.id).where(Visit.code_id == ServiceCode.id).exists()
    return db.session.scalars(
        select(ServiceCode)
        .where(ServiceCode.enterprise_id == enterprise_id, ServiceCode.status == "active",
               ServiceCode.valid_until >= today(), ~used)
        .order_by(ServiceCode.valid_from, ServiceCode.id)
    ).all()


def code_by_human_code(text):
    """The code whose printed human code is ``text`` (spaces, dashes and case ignored), or None."""
    code = normalise_human_code(text)
    if code is None:
        return None
    return db.session.scalar(select(ServiceCode).where(ServiceCode.human_code == code))
