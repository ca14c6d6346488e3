"""Commissions (委托项目): an agency hires a provider for a category of service."""
from ..clock import now
from ..extensions import db

commission_enterprises = db.Table(
    "commission_enterprises",
    db.Column("commission_id", db.Integer, db.ForeignKey("commissions.id"), primary_key=True),
    db.Column("enterprise_id", db.Integer, db.ForeignKey("organisations.id"), primary_key=True),
)


class Commission(db.Model):
    """Agency → provider: category, allowed scope items, period, optional enterprise list."""

    __tablename__ = "commissions"

    id = db.Column(db.Integer, primary_key=True)
    agency_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False, index=True)
    provider_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False, index=True)
    category = db.Column(db.String(64), nullable=False)
    scope_items = db.Column(db.JSON, nullable=False)
    start_date = db.Column(db.Date, nullable=False)
    end_date = db.Column(db.Date, nullable=False)
    visit_budget = db.Column(db.Integer, nullable=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=now)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)

    agency = db.relationship("Organisation", foreign_keys=[agency_id])
    provider = db.relationship("Organisation", foreign_keys=[provider_id])
    enterprises = db.relationship("Organisation", secondary=commission_enterprises, order_by="Organisation.id")
