"""Bearer sign-in for the phone API and the role guard used by every resource."""
from functools import wraps

from flask import current_app, g, request
from sqlalchemy import bindparam, select

from server.domain import signing
from server.domain.errors import Forbidden, Unauthenticated
from server.domain.orgs import active_user
from server.driver_sql import DriverStatement, read
from server.models import User
from server.models.orgs import credential_fingerprint

SECURITY = [{"bearerAuth": []}]


def _bearer_claim():
    """``(user id, credential fingerprint)`` of the ``Authorization: Bearer`` header; None without
    a header.

    Raises Unauthenticated for a header that is present but malformed, forged or expired.
    """
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization 头格式须为 Bearer <access_token>")
    claim = signing.read_access(current_app.config["SECRET_KEYS"], token.strip(),
                                current_app.config["ACCESS_TOKEN_LIFETIME"])
    if claim is None:
        raise Unauthenticated("登录已失效，请重新登录")
    return claim


_IDENTITY = DriverStatement(select(User.id, User.role, User.org_id, User.password_hash, User.sign_in_epoch).where(
    User.id == bindparam("user_id"), User.active.is_(True)))


def bearer_identity():
    """``(id, role, org_id)`` of the Bearer user without loading the ORM object — the scan path
    needs only these, and it is the path a person waits on. None without a header."""
    claim = _bearer_claim()
    if claim is None:
        return None
    user_id, fingerprint = claim
    rows = read(_IDENTITY, {"user_id": user_id})
    row = rows[0] if rows else None
    if row is None or credential_fingerprint(row.password_hash, row.sign_in_epoch) != fingerprint:
        raise Unauthenticated("登录已失效，请重新登录")
    return row


def bearer_user():
    """The user of a valid ``Authorization: Bearer`` header; None when there is no header.

    Raises Unauthenticated for a header that is present but wrong, expired or of a disabled user.
    """
    claim = _bearer_claim()
    if claim is None:
        return None
    user_id, fingerprint = claim
    user = active_user(user_id)
    if user is None or user.credential_fingerprint != fingerprint:
        raise Unauthenticated("登录已失效，请重新登录")
    return user


def role_required(*roles):
    """Let the view run only for a signed-in user of one of ``roles``; sets ``g.user``."""

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            user = bearer_user()
            if user is None:
                raise Unauthenticated("请先登录（Authorization: Bearer <access_token>）")
            if roles and user.role not in roles:
                raise Forbidden("当前账号的角色无权进行此操作")
            g.user = user
            return view(*args, **kwargs)

        return guarded

    return decorator


def issue_access_token(user):
    """A signed access token for ``user`` and its lifetime in seconds."""
    lifetime = current_app.config["ACCESS_TOKEN_LIFETIME"]
    return signing.sign_access(current_app.config["SECRET_KEYS"], user.id, user.credential_fingerprint), lifetime
