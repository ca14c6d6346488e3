"""The audit trail (全程留痕): an append-only log of every state change."""
from ..clock import now
from ..extensions import db


class AuditEntry(db.Model):
    """Who changed what, when, with the state before and after. Rows are only ever inserted.

    Rows form a hash chain: ``row_hash`` covers the row's content and ``prev_hash`` (the hash of the
    row at ``seq - 1``), so an edited, inserted or removed row breaks the chain from there on.
    """

    __tablename__ = "audit_entries"

    id = db.Column(db.Integer, primary_key=True)
    seq = db.Column(db.Integer, nullable=False, unique=True)
    prev_hash = db.Column(db.String(64), nullable=False)
    row_hash = db.Column(db.String(64), nullable=False)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=now, index=True)
    actor_user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    action = db.Column(db.String(64), nullable=False)
    object_type = db.Column(db.String(32), nullable=False)
    object_id = db.Column(db.Integer, nullable=True)
    before = db.Column(db.JSON, nullable=True)
    after = db.Column(db.JSON, nullable=True)


class AuditHead(db.Model):
    """The end of the chain (one row). Locked by every audit write, which serialises the chain, and
    compared with the last row by the verifier, which catches rows cut off the end."""

    __tablename__ = "audit_head"

    id = db.Column(db.Integer, primary_key=True)
    last_seq = db.Column(db.Integer, nullable=False, default=0)
    last_hash = db.Column(db.String(64), nullable=False)
