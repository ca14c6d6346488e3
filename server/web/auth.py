"""Sign-in and sign-out for the pages (session cookie, Flask-Login)."""
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from server.domain.errors import InvalidCredentials
from server.domain.orgs import active_user, authenticate
from server.sign_in_limits import limit_sign_in

blp = Blueprint("auth", __name__)


def load_user(session_id):
    """Flask-Login's loader: the id and a fingerprint of the password hash (see User.get_id)."""
    user_id, _sep, fingerprint = (session_id or "").partition(":")
    if not user_id.isdigit():
        return None
    user = active_user(int(user_id))
    if user is None or user.credential_fingerprint != fingerprint:
        return None
    return user


def _safe_next(target):
    """Only same-site paths, so a crafted link cannot send people elsewhere after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@blp.route("/login", methods=["GET", "POST"])
@limit_sign_in
def login():
    """The sign-in form; after sign-in, back where the visitor came from or to the role's home."""
    errors = {}
    username = request.form.get("username", "").strip()
    target = _safe_next(request.values.get("next"))
    if request.method == "POST":
        if not username:
            errors["username"] = [_("请输入用户名")]
        if not request.form.get("password"):
            errors["password"] = [_("请输入密码")]
        if not errors:
            try:
                user = authenticate(username, request.form["password"])
            except InvalidCredentials:
                errors["password"] = [_("用户名或密码错误")]
            else:
                login_user(user)
                from . import HOME_BY_ROLE

                return redirect(target or url_for(HOME_BY_ROLE[user.role]))
    status = 422 if errors else 200
    return render_template("auth/login.html", errors=errors, username=username, next=target or ""), status


@blp.route("/logout", methods=["POST"])
def logout():
    """Sign out (a POST with the CSRF token, so a link elsewhere cannot sign people out)."""
    logout_user()
    return redirect(url_for("auth.login"))
