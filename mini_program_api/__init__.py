"""The phone API: JSON under /api/v1, described by OpenAPI at /api/v1/openapi.json."""
from flask import render_template
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from server.domain.errors import DomainError

from . import errors


class PhoneApi(Api):
    """flask-smorest's Api with our error shape (see ``errors``)."""

    def _register_error_handlers(self):
        # Replaced by init_api's handlers, which leave the web pages' errors alone.
        pass


def init_api(app):
    """Register the API blueprints, the OpenAPI description, its docs page and the error shape."""
    # Flask's defaults hold MAX_CONTENT_LENGTH = None, so setdefault would never apply the limit.
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    api = PhoneApi(app, spec_kwargs={"info": {"description": "入企服务码 phone API. See the docs page at /api/v1/docs."}})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})

    from .resources import (admin, auth, cases, codes, commissions, exit_rules, notifications, providers, scans, staff,
                            stats, verifications, visits)

    for module in (auth, admin, staff, commissions, codes, verifications, visits, stats, providers, cases, exit_rules,
                   notifications, scans):
        api.register_blueprint(module.blp)

    app.before_request(errors.reject_non_json_body)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)

    @app.route("/api/v1/docs")
    def api_docs():
        """A human-readable page of the OpenAPI description, rendered on the server (works offline)."""
        return render_template("api/docs.html", spec=api.spec.to_dict())

    from server.extensions import csrf

    for blueprint_name in list(app.blueprints):
        if blueprint_name.startswith("api_") or blueprint_name == "api-docs":
            # The phone API authenticates with Bearer tokens, not cookies: no CSRF exposure.
            csrf.exempt(app.blueprints[blueprint_name])
    app.extensions["phone_api"] = api
    return api


def _http_error(error):
    from flask import current_app

    handler = current_app.extensions.get("page_http_error")
    if errors.is_api_request() or handler is None:
        return errors.handle_http_exception(error)
    return handler(error)


def _domain_error(error):
    from flask import current_app

    if errors.is_api_request():
        return errors.handle_domain_error(error)
    handler = current_app.extensions.get("page_domain_error")
    if handler is not None:
        return handler(error)
    return errors.handle_domain_error(error)
