"""Providers' standing (信用状态): the provider's own view and the agency's reinstatement."""
from flask import g
from flask_smorest import Blueprint

from server.domain import orgs, standing
from server.extensions import db

from ..auth import SECURITY, role_required
from ..schemas import ReasonArgsSchema, StandingSchema

blp = Blueprint("api_providers", __name__, url_prefix="/api/v1/providers", description="Provider standing")


@blp.route("/me/standing", methods=["GET"])
@blp.doc(security=SECURITY)
@role_required("provider")
@blp.response(200, StandingSchema)
def my_standing():
    """The caller's standing (the worst across agencies), its satisfaction rate and why."""
    return standing.provider_summary(g.user.org_id)


@blp.route("/<uscc>/standing", methods=["GET"])
@blp.doc(security=SECURITY)
@role_required("agency")
@blp.response(200, StandingSchema)
def provider_standing(uscc):
    """A provider's standing under the caller's agency; 404 for a provider it never commissioned."""
    provider = orgs.org_by_uscc(uscc, kind="provider", field="uscc")
    return standing.summary_for_agency(g.user, provider)


@blp.route("/<uscc>/reinstate", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("agency")
@blp.arguments(ReasonArgsSchema)
@blp.response(200, StandingSchema)
def reinstate(args, uscc):
    """Reinstate a suspended or exited provider under the caller's agency, with a written reason."""
    provider = orgs.org_by_uscc(uscc, kind="provider", field="uscc")
    standing.reinstate_provider(g.user, provider, args["reason"])
    db.session.commit()
    return standing.provider_summary(provider.id, agency_id=g.user.org_id)
