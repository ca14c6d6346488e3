"""Visits (入企记录) and their ratings."""
from flask import g, jsonify
from flask_smorest import Blueprint

from server.domain import rating, visits
from server.extensions import db

from ..auth import SECURITY, role_required
from ..schemas import EnterpriseVisitSchema, RatingArgsSchema, RatingSchema, SummaryArgsSchema, VisitSchema

blp = Blueprint("api_visits", __name__, url_prefix="/api/v1/visits", description="Visits and ratings")


@blp.route("", methods=["GET"])
@blp.doc(security=SECURITY)
@role_required("enterprise", "provider", "agency", "admin")
@blp.response(200, EnterpriseVisitSchema(many=True))
def list_visits():
    """The caller's visits: at the enterprise's premises, or the provider's own (without ratings)."""
    found = visits.visits_for(g.user)
    if g.user.role == "provider":
        # Ratings are anonymous towards the provider: it reads them elsewhere, detached from visits.
        # Returned as a Response so that the decorator does not dump the dumped rows a second time.
        return jsonify(VisitSchema(many=True).dump(found))
    return found


@blp.route("/<int:visit_id>/complete", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("provider")
@blp.arguments(SummaryArgsSchema)
@blp.response(200, VisitSchema)
def complete_visit(args, visit_id):
    """The provider marks the visit done with a summary."""
    visit = visits.complete_visit(g.user, visit_id, args["summary"])
    db.session.commit()
    return visit


@blp.route("/<int:visit_id>/checkout", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("enterprise")
@blp.response(200, VisitSchema)
def check_out_visit(visit_id):
    """The enterprise records that the provider has left (exit time)."""
    visit = visits.check_out_visit(g.user, visit_id)
    db.session.commit()
    return visit


@blp.route("/<int:visit_id>/rating", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("enterprise")
@blp.arguments(RatingArgsSchema)
@blp.response(201, RatingSchema)
def rate_visit(args, visit_id):
    """The visit's enterprise rates it once (409 if rated, 403 if not its visit)."""
    created = rating.rate_visit(g.user, visit_id, args["level"], args["flags"], args["comment"])
    db.session.commit()
    return created


@blp.route("/<int:visit_id>/followup-rating", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("enterprise")
@blp.arguments(RatingArgsSchema)
@blp.response(201, RatingSchema)
def rate_visit_again(args, visit_id):
    """The one follow-up rating after a bad review (追加评价), counted beside the first; 409 when the
    first rating was no bad review, a follow-up exists, or the case closed more than 30 days ago."""
    created = rating.rate_visit(g.user, visit_id, args["level"], args["flags"], args["comment"], followup=True)
    db.session.commit()
    return created
