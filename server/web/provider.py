"""Provider portal (第三方机构): apply for codes, my codes, show a code (亮码), print a card,
complete visits, ratings received, standing."""
from flask import Blueprint, render_template
from flask_login import current_user

from server.domain import issuing

from .access import role_page

blp = Blueprint("provider", __name__, url_prefix="/provider")


@blp.route("/codes")
@role_page("provider")
def codes():
    """My codes with their state."""
    return render_template("provider/codes.html", codes=issuing.codes_for(current_user),
                           effective_status=issuing.effective_status)
