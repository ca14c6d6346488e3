"""Web pages. Issue-by-issue these grow into the provider portal, enterprise pages and agency
console; today: the scan page behind every QR and a landing page."""
from flask import render_template

from server.domain.errors import DomainError


def init_web(app):
    """Register page blueprints and the page error handler."""
    from .scan import blp as scan_blp

    app.register_blueprint(scan_blp)
    app.extensions["page_domain_error"] = _page_domain_error

    @app.route("/")
    def index():
        return render_template("index.html")


def _page_domain_error(error: DomainError):
    return render_template("error.html", message=error.message, status=error.status), error.status
