"""Exit rules as data (退出规则): each agency reads and changes its own; every change is audited."""
from flask import g
from flask_smorest import Blueprint

from server.domain import exit_rules
from server.extensions import db

from ..auth import SECURITY, role_required
from ..schemas import ExitRulesArgsSchema, ExitRulesSchema

blp = Blueprint("api_exit_rules", __name__, url_prefix="/api/v1/exit-rules", description="Exit rules (退出规则)")


@blp.route("", methods=["GET"])
@blp.doc(security=SECURITY)
@role_required("agency")
@blp.response(200, ExitRulesSchema)
def get_rules():
    """The caller's agency's rules (DESIGN.md's defaults while it never changed them)."""
    return exit_rules.rules_record(g.user.org_id)


@blp.route("", methods=["PUT"])
@blp.doc(security=SECURITY)
@role_required("agency")
@blp.arguments(ExitRulesArgsSchema)
@blp.response(200, ExitRulesSchema)
def update_rules(args):
    """Change some of the rules (the others stay); 422 names each field whose value does not fit.
    Audited; every provider under the agency is judged again by the new rules."""
    exit_rules.update_rules(g.user, **args)
    db.session.commit()
    return exit_rules.rules_record(g.user.org_id)
