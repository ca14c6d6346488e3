"""Organisations, their user accounts and a provider's staff roster."""
from flask_login import UserMixin
from sqlalchemy import CheckConstraint

from ..clock import now
from ..extensions import db

ORG_KINDS = ("agency", "provider", "enterprise", "platform")
ROLES = ("agency", "provider", "enterprise", "admin")

#: Which kind of organisation an account of each role belongs to.
ORG_KIND_LABELS = {"agency": "委托单位", "provider": "第三方机构", "enterprise": "企业", "platform": "平台"}
ROLE_ORG_KIND = {"agency": "agency", "provider": "provider", "enterprise": "enterprise", "admin": "platform"}


class Organisation(db.Model):
    """An agency (委托单位), provider (第三方机构), enterprise (企业) or the platform itself."""

    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint(f"kind IN {ORG_KINDS!r}", name="kind"),)

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(16), nullable=False, index=True)
    # 统一社会信用代码; the platform organisation has none.
    uscc = db.Column(db.String(18), unique=True, nullable=True)
    name = db.Column(db.String(200), nullable=False)
    contact_phone = db.Column(db.String(32), nullable=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=now)


def credential_fingerprint(password_hash, sign_in_epoch=0):
    """The last 12 characters of a password hash (part of its salted digest, never the password),
    and how many times the account's sign-ins were ended otherwise (disabling ends them). A new
    password or a new epoch changes it; the first epoch adds nothing, so sign-ins made before the
    epoch existed stay valid."""
    return password_hash[-12:] if not sign_in_epoch else f"{password_hash[-12:]}.{sign_in_epoch}"


class User(UserMixin, db.Model):
    """A sign-in account. Every account belongs to exactly one organisation."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role"),)

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), unique=True, nullable=False)
    password_hash = db.Column(db.String(256), nullable=False)
    role = db.Column(db.String(16), nullable=False)
    org_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False, index=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    # Raised when the account is disabled: the sessions and access tokens of before stay ended when
    # it is enabled again.
    sign_in_epoch = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=now)

    org = db.relationship(Organisation, lazy="joined")

    @property
    def is_active(self):
        """Flask-Login refuses sessions of disabled accounts."""
        return bool(self.active)

    @property
    def credential_fingerprint(self):
        """A fingerprint of the password hash and the sign-in epoch, carried by sessions and access
        tokens: a password reset or a disabling changes it, and so ends every sign-in made before."""
        return credential_fingerprint(self.password_hash, self.sign_in_epoch)

    def get_id(self):
        """The session id: the user id and the credential fingerprint."""
        return f"{self.id}:{self.credential_fingerprint}"


class Staff(db.Model):
    """A person on a provider's roster who may be named on a service code."""

    __tablename__ = "staff"

    id = db.Column(db.Integer, primary_key=True)
    provider_id = db.Column(db.Integer, db.ForeignKey("organisations.id"), nullable=False, index=True)
    name = db.Column(db.String(64), nullable=False)
    phone = db.Column(db.String(32), nullable=False)
    title = db.Column(db.String(64), nullable=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=now)
