"""Organisations, accounts and the staff roster."""
from flask import current_app, has_app_context
from sqlalchemy import func, select
from stdnum.cn import uscc as uscc_number
from stdnum.exceptions import ValidationError
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import Organisation, Staff, User
from ..models.orgs import ORG_KIND_LABELS, ROLE_ORG_KIND
from . import audit
from .errors import Conflict, Forbidden, Invalid, InvalidCredentials, NotFound

PLATFORM_NAME = "入企服务码平台"
MIN_PASSWORD_LENGTH = 8

_dummy_hashes = {}


def _password_method():
    """scrypt by default; a test configuration may choose a cheaper method (PASSWORD_HASH_METHOD)."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return "scrypt"


def hash_password(password):
    """The stored hash of ``password``."""
    return generate_password_hash(password, method=_password_method())


def _dummy_hash():
    # Compared against when the username is unknown, so that a wrong username costs the same time
    # as a wrong password and does not reveal which usernames exist.
    method = _password_method()
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-real-password", method=method)
    return _dummy_hashes[method]


def normalise_uscc(value, field="uscc"):
    """Return the USCC in canonical form (upper case, no spaces).

    Raises Invalid naming ``field`` when the GB 32100-2015 check digit or format is wrong.
    """
    try:
        return uscc_number.validate(value or "")
    except ValidationError:
        raise Invalid({field: ["统一社会信用代码无效（18 位，校验位须正确）"]})


def org_by_uscc(uscc, kind=None, field="uscc"):
    """The organisation with this USCC (of ``kind`` if given). Raises Invalid naming ``field``."""
    code = normalise_uscc(uscc, field)
    org = db.session.scalar(select(Organisation).where(Organisation.uscc == code))
    if org is None or (kind is not None and org.kind != kind):
        raise Invalid({field: ["找不到该统一社会信用代码对应的单位"]})
    return org


def create_org(actor, kind, uscc, name, contact_phone=None):
    """Register an organisation. Raises Invalid for a bad USCC, Conflict if it is registered."""
    code = normalise_uscc(uscc)
    if db.session.scalar(select(Organisation.id).where(Organisation.uscc == code)):
        raise Conflict("该统一社会信用代码已登记", {"uscc": ["该统一社会信用代码已登记"]})
    org = Organisation(kind=kind, uscc=code, name=name.strip(), contact_phone=contact_phone)
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "org.create", org, after={"kind": kind, "uscc": code, "name": org.name})
    return org


def platform_org():
    """The organisation that platform administrators belong to, created on first use."""
    org = db.session.scalar(select(Organisation).where(Organisation.kind == "platform"))
    if org is None:
        org = Organisation(kind="platform", uscc=None, name=PLATFORM_NAME)
        db.session.add(org)
        db.session.flush()
    return org


def _check_password(password):
    """Raise Invalid for a password shorter than MIN_PASSWORD_LENGTH or blank (spaces only); the
    one password rule, for the API, the admin's pages and ``flask create-admin``."""
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid({"password": [f"密码至少 {MIN_PASSWORD_LENGTH} 位"]})
    if not password.strip():
        raise Invalid({"password": ["密码不能全是空格"]})


def create_user(actor, username, password, role, org):
    """Create an account of ``role`` in ``org``.

    Raises Invalid when the role does not fit the organisation or the password is too short,
    Conflict when the username is taken — in any mix of capitals: people type ``YJJ`` for ``yjj``.
    """
    if ROLE_ORG_KIND[role] != org.kind:
        raise Invalid({"role": [f"该单位是{ORG_KIND_LABELS[org.kind]}，不能开设此角色的账号"]})
    _check_password(password)
    username = username.strip()
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise Conflict("用户名已被占用", {"username": ["用户名已被占用"]})
    user = User(username=username, password_hash=hash_password(password), role=role, org_id=org.id)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, after={"username": username, "role": role, "org_id": org.id})
    return user


def create_admin(username, password):
    """Create a platform administrator (the first one comes from the CLI)."""
    return create_user(None, username, password, "admin", platform_org())


def authenticate(username, password):
    """Return the active user with these credentials. Raises InvalidCredentials otherwise."""
    user = db.session.scalar(select(User).where(func.lower(User.username) == (username or "").strip().lower()))
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        raise InvalidCredentials("用户名或密码错误")
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        raise InvalidCredentials("用户名或密码错误")
    return user


def active_user(user_id):
    """The active user with this id, or None."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def add_staff(actor, name, phone, title=None):
    """Put a person on the roster of the actor's provider. Raises Forbidden for other roles."""
    if actor.role != "provider":
        raise Forbidden("只有第三方机构可以登记人员")
    staff = Staff(provider_id=actor.org_id, name=name.strip(), phone=phone.strip(), title=title)
    db.session.add(staff)
    db.session.flush()
    audit.record(actor, "staff.create", staff, after={"name": staff.name, "title": title})
    return staff


def staff_of(actor):
    """The active roster of the actor's provider."""
    return db.session.scalars(
        select(Staff).where(Staff.provider_id == actor.org_id, Staff.active.is_(True)).order_by(Staff.id)
    ).all()


def get_org(org_id):
    """The organisation with this id. Raises NotFound."""
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound("单位不存在")
    return org


#: Rows on one page of the admin's lists.
PAGE_SIZE = 50


def find_orgs(kind=None, text=None, page=1):
    """One page (``PAGE_SIZE`` rows, a Flask-SQLAlchemy Pagination with the total) of the
    organisations for the admin list, by kind then id; ``text`` matches the name or the USCC."""
    query = select(Organisation).where(Organisation.kind != "platform")
    if kind:
        query = query.where(Organisation.kind == kind)
    if text and text.strip():
        pattern = f"%{text.strip()}%"
        query = query.where(Organisation.name.ilike(pattern) | Organisation.uscc.ilike(pattern))
    return db.paginate(query.order_by(Organisation.kind, Organisation.id), page=page, per_page=PAGE_SIZE,
                       error_out=False)


def find_users(role=None, text=None, page=1):
    """One page (``PAGE_SIZE`` rows, a Pagination with the total) of the accounts for the admin
    list, with their organisation; ``text`` matches the username or the organisation's name."""
    query = select(User).join(Organisation, Organisation.id == User.org_id)
    if role:
        query = query.where(User.role == role)
    if text and text.strip():
        pattern = f"%{text.strip()}%"
        query = query.where(User.username.ilike(pattern) | Organisation.name.ilike(pattern))
    return db.paginate(query.order_by(User.role, User.id), page=page, per_page=PAGE_SIZE, error_out=False)


def _user_for_admin(actor, user_id):
    if actor.role != "admin":
        raise Forbidden("只有平台管理员可以管理账号")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("账号不存在")
    return user


def set_user_active(actor, user_id, active):
    """An admin disables or enables an account. A disabled account cannot sign in, and its open
    sessions and access tokens stop working at their next request, for good: enabled again, the
    account signs in afresh.

    Raises Forbidden for non-admins, NotFound for no such account, Conflict when an admin would
    disable their own account (the platform must keep someone who can undo it).
    """
    user = _user_for_admin(actor, user_id)
    if user.id == actor.id and not active:
        raise Conflict("不能停用自己的账号")
    before = {"active": bool(user.active)}
    if user.active and not active:
        # Enabling the account later must not bring back the sign-ins of before.
        user.sign_in_epoch = (user.sign_in_epoch or 0) + 1
    user.active = bool(active)
    db.session.flush()
    audit.record(actor, "user.enable" if active else "user.disable", user, before=before,
                 after={"active": bool(active)})
    return user


def reset_password(actor, user_id, new_password):
    """An admin sets a new password for an account. Every session signed in with the old password
    ends (the session id carries a fingerprint of the hash, see ``User.get_id``).

    Raises Forbidden for non-admins, NotFound for no such account, Invalid for a password shorter
    than ``MIN_PASSWORD_LENGTH``. The audit row records the reset, never the password or its hash.
    """
    user = _user_for_admin(actor, user_id)
    _check_password(new_password)
    user.password_hash = hash_password(new_password)
    db.session.flush()
    audit.record(actor, "user.reset_password", user, after={"username": user.username})
    return user
