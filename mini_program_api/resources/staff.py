"""A provider's staff roster."""
from flask import g
from flask_smorest import Blueprint

from server.domain import orgs
from server.extensions import db

from ..auth import SECURITY, role_required
from ..schemas import StaffArgsSchema, StaffSchema

blp = Blueprint("api_staff", __name__, url_prefix="/api/v1/staff", description="Provider staff roster")


@blp.route("", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("provider")
@blp.arguments(StaffArgsSchema)
@blp.response(201, StaffSchema)
def add_staff(args):
    """Put a person on the caller's provider roster."""
    staff = orgs.add_staff(g.user, args["name"], args["phone"], args["title"])
    db.session.commit()
    return staff


@blp.route("", methods=["GET"])
@blp.doc(security=SECURITY)
@role_required("provider")
@blp.response(200, StaffSchema(many=True))
def list_staff():
    """The caller's provider roster."""
    return orgs.staff_of(g.user)
