"""The audit trail (全程留痕): an append-only log of every state change."""
from ..clock import now
from ..extensions import db


class AuditEntry(db.Model):
    """Who changed what, when, with the state before and after. Rows are only ever inserted."""

    __tablename__ = "audit_entries"

    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=now, index=True)
    actor_user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    action = db.Column(db.String(64), nullable=False)
    object_type = db.Column(db.String(32), nullable=False)
    object_id = db.Column(db.Integer, nullable=True)
    before = db.Column(db.JSON, nullable=True)
    after = db.Column(db.JSON, nullable=True)
