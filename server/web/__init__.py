"""Web pages by audience: the scan page behind every QR, sign-in, enterprise pages (phone first),
provider portal, agency console, admin area. Pages call the same domain functions as the API."""
from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from server.domain.errors import DomainError
from server.extensions import login_manager

HOME_BY_ROLE = {
    "enterprise": "enterprise.visits",
    "provider": "provider.codes",
    "agency": "agency.queue",
    "admin": "admin.orgs",
}


def init_web(app):
    """Register page blueprints, sign-in and the page error handlers."""
    from . import admin, agency, auth, enterprise, governance, provider, scan

    for module in (scan, auth, enterprise, provider, agency, admin, governance):
        app.register_blueprint(module.blp)

    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.user_loader(auth.load_user)
    app.extensions["page_domain_error"] = _page_domain_error
    app.extensions["page_http_error"] = _page_http_error
    app.register_error_handler(CSRFError, _csrf_error)
    app.context_processor(_notification_badge)

    @app.route("/")
    def index():
        if current_user.is_authenticated:
            return redirect(url_for(HOME_BY_ROLE[current_user.role]))
        return render_template("index.html")

    @app.route("/healthz")
    def healthz():
        """For the load balancer: the process answers. Also the bare-view baseline of bench/."""
        return {"status": "ok"}

    @app.context_processor
    def page_globals():
        from flask_babel import get_locale

        from server.models.ratings import FLAGS, LEVELS

        return {"lang": str(get_locale() or "zh"), "home_by_role": HOME_BY_ROLE,
                "level_labels": LEVELS, "flag_labels": FLAGS}


def _notification_badge():
    """The top bar's unread-message badge: a callable, so that the one COUNT runs only on pages
    whose top bar shows it, and only for a signed-in user."""

    def unread_notifications():
        if not current_user.is_authenticated:
            return 0
        from server.domain.notify import unread_count

        return unread_count(current_user.org_id)

    return {"unread_notifications": unread_notifications}


def _page_domain_error(error: DomainError):
    # A rule broken by input the page shows no form for (a filter in the address): say which.
    texts = [str(text) for texts in (error.errors or {}).values()
             for text in (texts if isinstance(texts, (list, tuple)) else [texts])]
    message = error.message + ("：" + "；".join(texts) if texts else "")
    return render_template("error.html", message=message, status=error.status), error.status


_HTTP_MESSAGES = {
    400: "请求有误",
    403: "无权访问此页面",
    404: "找不到该页面或记录",
    405: "不支持该操作",
    413: "提交的内容过大",
    429: "操作过于频繁，请稍后再试",
}


def _page_http_error(error):
    status = error.code or 500
    message = _(_HTTP_MESSAGES.get(status, "请求失败"))
    return render_template("error.html", message=message, status=status), status


def _csrf_error(error):
    if request.path.startswith("/api/"):
        from mini_program_api.errors import error_response

        return error_response(400, "CSRF")
    return render_template("error.html", status=400,
                           message=_("页面已过期或来源不明（缺少安全校验码），请返回刷新后重试")), 400
