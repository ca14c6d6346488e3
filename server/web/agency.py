"""Agency console (委托单位): approval queue, codes, satisfaction dashboard, bad reviews, standing,
export."""
from flask import Blueprint, render_template
from flask_login import current_user

from server.domain import issuing

from .access import role_page

blp = Blueprint("agency", __name__, url_prefix="/agency")


@blp.route("/")
@role_page("agency")
def queue():
    """Approval queue: pending codes, oldest first."""
    pending = sorted(issuing.codes_for(current_user, status="pending"), key=lambda code: code.id)
    return render_template("agency/queue.html", codes=pending)
