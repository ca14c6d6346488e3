"""Satisfaction statistics."""
from datetime import date

from flask import g
from flask_smorest import Blueprint

from server.clock import today
from server.domain import stats
from ..auth import SECURITY, role_required
from ..schemas import PeriodArgsSchema, SatisfactionSchema

blp = Blueprint("api_stats", __name__, url_prefix="/api/v1/stats", description="Statistics")


@blp.route("/satisfaction", methods=["GET"])
@blp.doc(security=SECURITY)
@role_required("agency", "admin")
@blp.arguments(PeriodArgsSchema, location="query")
@blp.response(200, SatisfactionSchema)
def satisfaction(args):
    """Codes issued, ratings and 满意率 over a period (default: this year so far)."""
    date_to = args["date_to"] or today()
    date_from = args["date_from"] or date(date_to.year, 1, 1)
    return stats.satisfaction(g.user, date_from, date_to)
