"""Admin area (平台管理员): organisations, accounts, service catalogue."""
from flask import Blueprint, render_template
from sqlalchemy import select

from server.extensions import db
from server.models import Organisation

from .access import role_page

blp = Blueprint("admin", __name__, url_prefix="/admin")


@blp.route("/")
@role_page("admin")
def orgs():
    """Organisations by kind."""
    found = db.session.scalars(select(Organisation).order_by(Organisation.kind, Organisation.id)).all()
    return render_template("admin/orgs.html", orgs=found)
