"""Failed scans (异常核验): a forged or misused code in circulation, per provider and per enterprise."""
from flask import g
from flask_smorest import Blueprint

from server.domain import scans

from ..auth import SECURITY, role_required
from ..schemas import FailedScansSchema, PeriodArgsSchema

blp = Blueprint("api_scans", __name__, url_prefix="/api/v1/scans", description="Scans (核验记录)")


@blp.route("/failed", methods=["GET"])
@blp.doc(security=SECURITY)
@role_required("agency", "admin")
@blp.arguments(PeriodArgsSchema, location="query")
@blp.response(200, FailedScansSchema)
def failed_scans(args):
    """Failed scans of the caller's agency's codes in ``?from=&to=`` (default: this year so far) —
    matched by the code found or the code a forged token claims — with counts per provider, per
    scanning organisation and per reason. Forged ones (``bad_signature``) come first in the counts."""
    return scans.failed_scans(g.user, args["date_from"], args["date_to"])
