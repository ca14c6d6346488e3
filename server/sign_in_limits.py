"""Rate limits of signing in, shared by the sign-in page and the phone API's token endpoint.

Only failed attempts count, so a busy county office behind one address is never locked out by its
own successful sign-ins. Two limits: per client address (one machine trying many accounts) and per
account (many machines trying one account's password).
"""
from flask import request

from .extensions import limiter

PER_ADDRESS = "30 per minute"
PER_ACCOUNT = "10 per minute"


def _failed(response):
    return response.status_code >= 400


def _account_key():
    """The account being tried, as typed (case and spaces ignored), from the form or the JSON body."""
    username = request.form.get("username")
    if username is None:
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            body = None
        username = body.get("username") if isinstance(body, dict) else None
    return "sign-in:" + str(username or "").strip().lower()[:64]


def limit_sign_in(view):
    """Apply both sign-in limits to ``view`` (POSTs only)."""
    view = limiter.limit(PER_ACCOUNT, key_func=_account_key, methods=["POST"], deduct_when=_failed)(view)
    return limiter.limit(PER_ADDRESS, methods=["POST"], deduct_when=_failed)(view)
