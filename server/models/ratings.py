"""Ratings (服务评价) on the five levels of the national 好差评 scheme."""
from sqlalchemy import CheckConstraint, Index

from ..clock import now
from ..extensions import db

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
FLAGS = {
    "out_of_scope": "超范围服务",
    "forced_sales": "强制推销",
    "no_show": "未按约定到场",
    "misconduct": "其他违规",
}
#: Levels that count as satisfied in 满意率.
SATISFIED_LEVELS = (3, 4, 5)
#: Levels that make a rating a bad review (差评) even without a flag.
BAD_LEVELS = (1, 2)


class Rating(db.Model):
    """One enterprise's rating of one visit. ``followup`` marks the one follow-up after a bad review."""

    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level"),
        db.UniqueConstraint("visit_id", "followup", name="uq_ratings_visit_followup"),
        Index("ix_ratings_agency_provider_rated_at", "agency_id", "provider_id", "rated_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    visit_id = db.Column(db.Integer, db.ForeignKey("visits.id"), nullable=False)
    followup = db.Column(db.Boolean, nullable=False, default=False)
    agency_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False)
    provider_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False)
    enterprise_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False)
    rated_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    rated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=now)
    level = db.Column(db.Integer, nullable=False)
    flags = db.Column(db.JSON, nullable=False, default=list)
    comment = db.Column(db.Text, nullable=True)
    # A bad review: level 1-2 or any flag. Stored so that counts run in SQL over an index.
    bad = db.Column(db.Boolean, nullable=False, default=False)

    visit = db.relationship("Visit", back_populates="rating", foreign_keys=[visit_id])
