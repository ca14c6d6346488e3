"""Scans (核验记录) and visits (入企记录)."""
from sqlalchemy import Index, text

from ..clock import now
from ..extensions import db

#: The longest raw scanned input we keep; enough to recognise a forged code in circulation.
RAW_INPUT_LIMIT = 300


class Scan(db.Model):
    """Every verification, valid or not: who scanned, when, the verdict and the raw input."""

    __tablename__ = "scans"
    # The failed-scan views (domain.scans) read failed scans only, so their indexes hold failed
    # scans only: a valid scan at the door, nearly every one, updates the table and one index.
    __table_args__ = (
        Index("ix_scans_code_id_scanned_at", "code_id", "scanned_at"),
        Index("ix_failed_scans_scanned_at", "scanned_at",
              sqlite_where=text("valid IS 0"), postgresql_where=text("valid IS false")),
        Index("ix_failed_scans_claimed_code_id", "claimed_code_id",
              sqlite_where=text("valid IS 0"), postgresql_where=text("valid IS false")),
        Index("ix_failed_scans_scanner_org_id", "scanner_org_id",
              sqlite_where=text("valid IS 0"), postgresql_where=text("valid IS false")),
    )

    id = db.Column(db.Integer, primary_key=True)
    scanned_at = db.Column(db.DateTime(timezone=True), nullable=False, default=now)
    code_id = db.Column(db.Integer, db.ForeignKey("service_codes.id"), nullable=True)
    # For a forged token: the code id its (unverified) payload claims, so that a forgery in
    # circulation shows up under the code's agency and provider. Never trusted for anything else.
    claimed_code_id = db.Column(db.Integer, nullable=True)
    token_version = db.Column(db.Integer, nullable=True)
    scanner_user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    scanner_org_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=True)
    valid = db.Column(db.Boolean, nullable=False)
    reason = db.Column(db.String(32), nullable=False)
    scope_item = db.Column(db.String(100), nullable=True)
    raw_input = db.Column(db.String(RAW_INPUT_LIMIT), nullable=False)
    dynamic = db.Column(db.Boolean, nullable=False, default=False)
    visit_id = db.Column(db.Integer, db.ForeignKey("visits.id"), nullable=True)


class Visit(db.Model):
    """An actual entry: opened by the enterprise's verifying scan, closed by completion or check-out.

    At most one visit of a code is open at a time; the partial unique index makes the database
    enforce it, so two simultaneous scans cannot open two visits.
    """

    __tablename__ = "visits"
    __table_args__ = (
        Index(
            "uq_visits_open_code",
            "code_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id = db.Column(db.Integer, primary_key=True)
    code_id = db.Column(db.Integer, db.ForeignKey("service_codes.id"), nullable=False, index=True)
    agency_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False, index=True)
    provider_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False, index=True)
    enterprise_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False, index=True)
    entered_at = db.Column(db.DateTime(timezone=True), nullable=False, default=now)
    opened_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    # Closed either by the provider's completion (with a summary) or the enterprise's check-out.
    closed_at = db.Column(db.DateTime(timezone=True), nullable=True)
    closed_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    close_kind = db.Column(db.String(16), nullable=True)  # "completed" | "checked_out"
    summary = db.Column(db.Text, nullable=True)

    code = db.relationship("ServiceCode")
    rating = db.relationship("Rating", back_populates="visit", uselist=False,
                             primaryjoin="and_(Rating.visit_id == Visit.id, Rating.followup == False)")

    @property
    def status(self):
        return "open" if self.closed_at is None else self.close_kind
