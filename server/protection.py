"""What every response and route gets, whatever the audience: row ids bounded in URLs, the client's
address as the load balancer saw it, cookies and headers that keep the pages from being framed.
"""
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .models import MAX_ROW_ID


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in every route: 0 … MAX_ROW_ID, anything else does not match (404)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ROW_ID, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


SECURITY_HEADERS = {
    # No page of ours is meant to be shown inside another site's frame (clickjacking of the agency's
    # approve/revoke buttons).
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def init_protection(app):
    """Install the bounded id converter (before any route is added), the proxy fix, the cookie
    settings and the security headers."""
    app.url_map.converters["int"] = RowIdConverter
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Behind the load balancer every request comes from its address; rate limits and the audit
        # need the client's, from the X-Forwarded-* headers the trusted proxies set.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    # Flask's defaults are in app.config already (None / False), so these are set, not defaulted.
    # Served over https (as PUBLIC_BASE_URL says), the session cookie never travels over http.
    secure = app.config["PUBLIC_BASE_URL"].startswith("https://")
    app.config.update(SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure, SESSION_COOKIE_HTTPONLY=True,
                      REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=secure)

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
