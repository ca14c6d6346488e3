"""Service codes (入企服务码): one provider, one enterprise, one commission."""
from sqlalchemy import CheckConstraint, Index

from ..clock import now
from ..extensions import db

CODE_STATUSES = ("pending", "active", "completed", "expired", "revoked", "rejected")
#: How a code's state reads in Chinese (an active code past its last day reads 已过期).
CODE_STATUS_LABELS = {
    "pending": "待审核", "active": "生效中", "expired": "已过期", "revoked": "已撤销",
    "rejected": "已驳回", "completed": "已完成",
}

code_staff = db.Table(
    "code_staff",
    db.Column("code_id", db.Integer, db.ForeignKey("service_codes.id"), primary_key=True),
    db.Column("staff_id", db.Integer, db.ForeignKey("staff.id"), primary_key=True),
)


class ServiceCode(db.Model):
    """A provider's permission to enter one enterprise within a scope and a validity window.

    ``status`` is what was decided (pending, active, rejected, revoked, completed); whether an
    active code is expired is a matter of the clock and is computed, not stored.
    ``agency_id`` repeats the commission's agency so that the scan reads everything in one query.
    """

    __tablename__ = "service_codes"
    __table_args__ = (
        CheckConstraint(f"status IN {CODE_STATUSES!r}", name="status"),
        CheckConstraint("valid_from <= valid_until", name="window"),
        Index("ix_service_codes_agency_provider_status", "agency_id", "provider_id", "status"),
        Index("ix_service_codes_agency_approved_at", "agency_id", "approved_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    commission_id = db.Column(db.Integer, db.ForeignKey("commissions.id"), nullable=False, index=True)
    agency_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False)
    provider_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False, index=True)
    enterprise_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False, index=True)
    scope_items = db.Column(db.JSON, nullable=False)
    valid_from = db.Column(db.Date, nullable=False)
    valid_until = db.Column(db.Date, nullable=False)
    purpose = db.Column(db.String(500), nullable=False)
    status = db.Column(db.String(16), nullable=False, default="pending")
    version = db.Column(db.Integer, nullable=False, default=1)
    human_code = db.Column(db.String(8), nullable=False, unique=True)
    applied_at = db.Column(db.DateTime(timezone=True), nullable=False, default=now)
    applied_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    approved_at = db.Column(db.DateTime(timezone=True), nullable=True)
    # When the current version was issued (approval, then each reissue); stamps the static token.
    version_issued_at = db.Column(db.DateTime(timezone=True), nullable=True)
    decided_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    decided_at = db.Column(db.DateTime(timezone=True), nullable=True)
    decision_reason = db.Column(db.String(500), nullable=True)

    commission = db.relationship("Commission")
    agency = db.relationship("Organisation", foreign_keys=[agency_id])
    provider = db.relationship("Organisation", foreign_keys=[provider_id])
    enterprise = db.relationship("Organisation", foreign_keys=[enterprise_id])
    staff = db.relationship("Staff", secondary=code_staff, order_by="Staff.id")
