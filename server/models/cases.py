"""Bad-review cases (差评处理): contact within 1 working day, rectify within 15 days, close."""
from ..clock import now
from ..extensions import db


class ReviewCase(db.Model):
    """The case a bad review opens for the commissioning agency.

    Steps: the agency contacts the enterprise (核实/回访) by ``contact_due``; the provider reports its
    rectification (整改) by ``rectify_due``; the agency closes the case. Red-line flags
    (``forced_sales``, ``out_of_scope``) wait for the agency to confirm or dismiss them.
    """

    __tablename__ = "review_cases"

    id = db.Column(db.Integer, primary_key=True)
    rating_id = db.Column(db.Integer, db.ForeignKey("ratings.id"), nullable=False, unique=True)
    visit_id = db.Column(db.Integer, db.ForeignKey("visits.id"), nullable=False, index=True)
    agency_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False, index=True)
    provider_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False, index=True)
    enterprise_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False, index=True)
    opened_at = db.Column(db.DateTime(timezone=True), nullable=False, default=now)
    contact_due = db.Column(db.DateTime(timezone=True), nullable=False)
    contacted_at = db.Column(db.DateTime(timezone=True), nullable=True)
    contacted_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    contact_note = db.Column(db.Text, nullable=True)
    rectify_due = db.Column(db.DateTime(timezone=True), nullable=False)
    rectified_at = db.Column(db.DateTime(timezone=True), nullable=True)
    rectified_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    rectification_note = db.Column(db.Text, nullable=True)
    closed_at = db.Column(db.DateTime(timezone=True), nullable=True)
    closed_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    close_note = db.Column(db.Text, nullable=True)
    red_flags = db.Column(db.JSON, nullable=False, default=list)
    flag_decision = db.Column(db.String(16), nullable=True)  # "confirmed" | "dismissed"
    flag_decided_at = db.Column(db.DateTime(timezone=True), nullable=True)
    flag_decided_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    flag_note = db.Column(db.Text, nullable=True)
    # Set when the overdue notice went out, so that it goes out once.
    overdue_notified_at = db.Column(db.DateTime(timezone=True), nullable=True)

    rating = db.relationship("Rating", foreign_keys=[rating_id])
    visit = db.relationship("Visit", foreign_keys=[visit_id])
