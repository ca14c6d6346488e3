"""Platform administration: organisations and accounts."""
from flask import g
from flask_smorest import Blueprint

from server.domain import orgs
from server.extensions import db

from ..auth import SECURITY, role_required
from ..schemas import OrgArgsSchema, OrgSchema, UserArgsSchema, UserSchema

blp = Blueprint("api_admin", __name__, url_prefix="/api/v1/admin", description="Platform administration")


@blp.route("/orgs", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("admin")
@blp.arguments(OrgArgsSchema)
@blp.response(201, OrgSchema)
def create_org(args):
    """Register an agency, provider or enterprise (422 bad USCC, 409 USCC already registered)."""
    org = orgs.create_org(g.user, args["kind"], args["uscc"], args["name"], args["contact_phone"])
    db.session.commit()
    return org


@blp.route("/users", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("admin")
@blp.arguments(UserArgsSchema)
@blp.response(201, UserSchema)
def create_user(args):
    """Create an account in the organisation with ``org_uscc``; the role must fit its kind."""
    org = orgs.org_by_uscc(args["org_uscc"], field="org_uscc")
    user = orgs.create_user(g.user, args["username"], args["password"], args["role"], org)
    db.session.commit()
    return user
