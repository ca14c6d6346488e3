"""Who may open a page: one decorator for every audience's pages."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def role_page(*roles):
    """Let the page open only for a signed-in user of one of ``roles`` (others get 403)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorator
