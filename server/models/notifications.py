"""In-app messages (站内消息) to an organisation."""
from ..clock import now
from ..extensions import db


class Notification(db.Model):
    """A message to every account of ``org_id``: warning, suspension, exit, reinstatement, a new
    bad review, an overdue case."""

    __tablename__ = "notifications"

    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False, index=True)
    kind = db.Column(db.String(32), nullable=False)
    title = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False)
    object_type = db.Column(db.String(32), nullable=True)
    object_id = db.Column(db.Integer, nullable=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=now, index=True)
    read_at = db.Column(db.DateTime(timezone=True), nullable=True)
