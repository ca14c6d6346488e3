"""Commissions (委托项目)."""
from flask import g
from flask_smorest import Blueprint

from server.domain import issuing
from server.extensions import db

from ..auth import SECURITY, role_required
from ..schemas import CommissionArgsSchema, CommissionSchema

blp = Blueprint("api_commissions", __name__, url_prefix="/api/v1/commissions", description="Commissions")


@blp.route("", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("agency")
@blp.arguments(CommissionArgsSchema)
@blp.response(201, CommissionSchema)
def create_commission(args):
    """The caller's agency commissions a provider for a category, scope and period."""
    commission = issuing.create_commission(
        g.user, args["provider_uscc"], args["category"], args["scope_items"], args["start_date"],
        args["end_date"], args["enterprise_usccs"], args["visit_budget"])
    db.session.commit()
    return commission


@blp.route("", methods=["GET"])
@blp.doc(security=SECURITY)
@role_required("agency", "provider")
@blp.response(200, CommissionSchema(many=True))
def list_commissions():
    """The caller's commissions: those the agency made, or those the provider holds."""
    return issuing.commissions_for(g.user)
