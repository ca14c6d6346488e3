"""Bad-review cases (差评处理): 谁委托、谁负责 — the agency contacts the enterprise, the provider
rectifies, the agency decides red-line flags and closes the case."""
from flask import g, jsonify
from flask_smorest import Blueprint

from server.domain import cases
from server.extensions import db

from ..auth import SECURITY, role_required
from ..schemas import (CASE_SCHEMAS, AgencyCaseSchema, CaseNoteArgsSchema, CaseQueryArgsSchema, CaseSchema,
                       FlagDecisionArgsSchema)

blp = Blueprint("api_cases", __name__, url_prefix="/api/v1/cases", description="Bad-review cases (差评处理)")

AUDIENCES = ("The answer depends on the caller: the agency reads the enterprise and the rater; the "
             "enterprise reads its visit, the provider and whether it may add the follow-up rating; the "
             "provider reads neither the enterprise, the visit nor the agency's contact note.")


def _dump(rows, many=False):
    """The case(s) in the caller's audience's schema (see AUDIENCES)."""
    return jsonify(CASE_SCHEMAS[g.user.role](many=many).dump(rows))


@blp.route("", methods=["GET"])
@blp.doc(security=SECURITY, description=AUDIENCES)
@role_required("agency", "provider", "enterprise", "admin")
@blp.arguments(CaseQueryArgsSchema, location="query")
@blp.response(200, AgencyCaseSchema(many=True))
def list_cases(args):
    """The cases of the caller's organisation, newest first; ``?open=true`` for the open ones."""
    return _dump(cases.case_details(g.user, only_open=args["only_open"]), many=True)


@blp.route("/<int:case_id>", methods=["GET"])
@blp.doc(security=SECURITY, description=AUDIENCES)
@role_required("agency", "provider", "enterprise", "admin")
@blp.response(200, AgencyCaseSchema)
def get_case(case_id):
    """One case of the caller's organisation (404 for any other)."""
    return _dump(cases.case_detail(g.user, case_id))


@blp.route("/<int:case_id>/contact", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("agency")
@blp.arguments(CaseNoteArgsSchema)
@blp.response(200, AgencyCaseSchema)
def record_contact(args, case_id):
    """The agency records its contact with the enterprise (核实/回访; 409 when recorded already)."""
    cases.record_contact(g.user, case_id, args["note"])
    db.session.commit()
    return _dump(cases.case_detail(g.user, case_id))


@blp.route("/<int:case_id>/rectification", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("provider")
@blp.arguments(CaseNoteArgsSchema)
@blp.response(200, CaseSchema)
def record_rectification(args, case_id):
    """The provider reports its rectification (整改; 409 when reported already or closed)."""
    cases.record_rectification(g.user, case_id, args["note"])
    db.session.commit()
    return _dump(cases.case_detail(g.user, case_id))


@blp.route("/<int:case_id>/flags", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("agency")
@blp.arguments(FlagDecisionArgsSchema)
@blp.response(200, AgencyCaseSchema)
def decide_flags(args, case_id):
    """The agency confirms or dismisses the red-line flags; a confirmation applies the exit rule at
    once (409 without red-line flags or when decided already)."""
    cases.decide_flags(g.user, case_id, args["decision"], args["note"])
    db.session.commit()
    return _dump(cases.case_detail(g.user, case_id))


@blp.route("/<int:case_id>/close", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("agency")
@blp.arguments(CaseNoteArgsSchema)
@blp.response(200, AgencyCaseSchema)
def close_case(args, case_id):
    """The agency closes the case (409 before the contact, while a red-line flag waits, or when closed)."""
    cases.close_case(g.user, case_id, args["note"])
    db.session.commit()
    return _dump(cases.case_detail(g.user, case_id))
