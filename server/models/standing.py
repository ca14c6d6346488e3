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


class ExitRule(db.Model):
    """An agency's exit rules (退出规则); an agency without a row uses the defaults of DESIGN.md.

    ``exit_flags`` lists the red-line flags that exit a provider once the agency confirms them.
    """

    __tablename__ = "exit_rules"
    __table_args__ = (
        CheckConstraint("window_size >= 1 AND minimum_sample >= 1 AND minimum_sample <= window_size", name="sample"),
        CheckConstraint("exit_below <= suspend_below AND suspend_below <= warn_below", name="thresholds"),
        CheckConstraint("bad_reviews_to_exit >= 1 AND bad_review_days >= 1", name="bad_reviews"),
    )

    agency_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), primary_key=True)
    window_size = db.Column(db.Integer, nullable=False)
    minimum_sample = db.Column(db.Integer, nullable=False)
    warn_below = db.Column(db.Numeric(4, 3), nullable=False)
    suspend_below = db.Column(db.Numeric(4, 3), nullable=False)
    exit_below = db.Column(db.Numeric(4, 3), nullable=False)
    bad_reviews_to_exit = db.Column(db.Integer, nullable=False)
    bad_review_days = db.Column(db.Integer, nullable=False)
    exit_flags = db.Column(db.JSON, nullable=False)
    require_dynamic_codes = db.Column(db.Boolean, nullable=False, default=False)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=now)
    updated_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
