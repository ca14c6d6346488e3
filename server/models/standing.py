"""A provider's standing (信用状态) under one agency."""
from sqlalchemy import CheckConstraint

from ..clock import now
from ..extensions import db

STANDINGS = ("good", "warned", "suspended", "exited", "reinstated")
STANDING_LABELS = {
    "good": "良好",
    "warned": "预警",
    "suspended": "暂停赋码",
    "exited": "退出",
    "reinstated": "已恢复",
}


class Standing(db.Model):
    """Standing of ``provider_id`` under ``agency_id``. No row means ``good``.

    ``counting_from`` is set at reinstatement: the exit rules look only at ratings made after it,
    so a reinstated provider is not thrown out again for the ratings it was already judged on.
    """

    __tablename__ = "standings"
    __table_args__ = (
        CheckConstraint(f"state IN {STANDINGS!r}", name="state"),
        db.UniqueConstraint("agency_id", "provider_id", name="uq_standings_agency_provider"),
    )

    id = db.Column(db.Integer, primary_key=True)
    agency_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False)
    provider_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False, index=True)
    state = db.Column(db.String(16), nullable=False, default="good")
    reasons = db.Column(db.JSON, nullable=False, default=list)
    changed_at = db.Column(db.DateTime(timezone=True), nullable=False, default=now)
    counting_from = db.Column(db.DateTime(timezone=True), nullable=True)
