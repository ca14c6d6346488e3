"""Governance pages (谁委托、谁负责): bad-review cases for the agency and the provider, the enterprise's
follow-up rating, the agency's exit rules and failed scans, and everybody's notifications.

Views parse the form with the phone API's schemas, call one domain function and commit; a state
conflict becomes a flash message, a broken rule an error at its field.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mini_program_api.schemas import (CaseNoteArgsSchema, CaseQueryArgsSchema, ExitRulesArgsSchema,
                                      FlagDecisionArgsSchema, MarkReadArgsSchema, PeriodArgsSchema,
                                      RatingArgsSchema)
from server.domain import cases, exit_rules, notify, rating, scans
from server.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from server.extensions import db
from server.models import Visit
from server.models.ratings import FLAGS, LEVELS

from .access import role_page
from .forms import form_dict, load_form

blp = Blueprint("governance", __name__)

EVERY_ROLE = ("agency", "provider", "enterprise", "admin")
RULE_INTS = ("window", "minimum_sample", "bad_reviews_to_exit", "bad_review_days")
#: Short names of the verification reasons for the agency's failed-scan page (the door's messages
#: in ``verifying.MESSAGES`` tell the person at the gate what to do; these say what happened).
SCAN_REASON_LABELS = {
    "malformed": "不是服务码",
    "bad_signature": "伪造或篡改",
    "unknown_code": "查无此码",
    "superseded": "已重新签发的旧码",
    "pending_approval": "尚未审核",
    "rejected": "已驳回",
    "provider_exited": "机构已退出",
    "revoked": "已撤销",
    "not_yet_valid": "未到有效期",
    "expired": "已过有效期",
    "dynamic_expired": "动态码已过期",
    "dynamic_required": "须出示动态码",
    "wrong_enterprise": "非本企业的码",
    "out_of_scope": "超出服务范围",
}


@blp.app_template_global()
def case_progress(visits):
    """``{visit_id: case row}`` of the signed-in enterprise's visits that had a bad review (one query),
    for the progress shown on its visits page."""
    return cases.progress_by_visit(current_user.org_id, [visit.id for visit in visits])


@blp.app_template_global()
def case_followup_allowed(row):
    """Whether the enterprise may still add the follow-up rating of this case row."""
    return cases.followup_allowed(row)


def _run(action, *args):
    """Run one domain action and commit: ``(True, {})``. After a rollback, a state conflict is
    flashed and gives ``(False, {})``; a broken rule gives ``(False, field errors)``."""
    try:
        action(current_user, *args)
        db.session.commit()
        return True, {}
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
        return False, {}
    except Invalid as error:
        db.session.rollback()
        return False, error.errors


def _case_step(case_id, step, schema, action, done, render, endpoint):
    """Read a case form with ``schema`` and run ``action(actor, case_id, values)``. Field errors
    re-render the list (``render``) at this case's ``step`` form; otherwise back to ``endpoint``."""
    cases.case_detail(current_user, case_id)  # another organisation's case: 404 before anything
    values, errors = load_form(schema, form_dict(request.form))
    if not errors:
        performed, errors = _run(action, case_id, values)
        if performed:
            flash(done, "ok")
    if errors:
        return render({(case_id, step): errors}, {(case_id, step): request.form.to_dict()}, 422)
    return redirect(url_for(endpoint, _anchor=f"case-{case_id}"))


# ---- the agency's cases ---------------------------------------------------------------------

def _render_agency_cases(errors=None, typed=None, status=200):
    values, query_errors = load_form(CaseQueryArgsSchema(), {"open": request.args["open"]}
                                     if request.args.get("open") else {})
    rows = cases.case_details(current_user, only_open=(values or {}).get("only_open", False))
    return render_template("governance/agency_cases.html", rows=rows, errors=errors or {}, typed=typed or {},
                           overdue=cases.overdue_count(current_user.org_id), only_open=request.args.get("open"),
                           case_status=cases.case_status, overdue_steps=cases.overdue_steps,
                           query_errors=query_errors), 422 if query_errors else status


@blp.route("/agency/cases")
@role_page("agency")
def agency_cases():
    """差评处理: every case of my agency with its deadlines; overdue ones marked and counted."""
    return _render_agency_cases()


@blp.route("/agency/cases/<int:case_id>/contact", methods=["POST"])
@role_page("agency")
def agency_contact(case_id):
    """Record the contact with the enterprise (核实/回访)."""
    return _case_step(case_id, "contact", CaseNoteArgsSchema(),
                      lambda actor, case, values: cases.record_contact(actor, case, values["note"]),
                      _("已登记联系企业核实情况"), _render_agency_cases, "governance.agency_cases")


@blp.route("/agency/cases/<int:case_id>/flags", methods=["POST"])
@role_page("agency")
def agency_flags(case_id):
    """Confirm or dismiss the red-line flags; a confirmation applies the exit rule at once."""
    return _case_step(case_id, "flags", FlagDecisionArgsSchema(),
                      lambda actor, case, values: cases.decide_flags(actor, case, values["decision"], values["note"]),
                      _("已记录红线问题的认定结果"), _render_agency_cases, "governance.agency_cases")


@blp.route("/agency/cases/<int:case_id>/close", methods=["POST"])
@role_page("agency")
def agency_close(case_id):
    """Close the case (办结)."""
    return _case_step(case_id, "close", CaseNoteArgsSchema(),
                      lambda actor, case, values: cases.close_case(actor, case, values["note"]),
                      _("案件已办结"), _render_agency_cases, "governance.agency_cases")


# ---- the provider's cases -------------------------------------------------------------------

def _render_provider_cases(errors=None, typed=None, status=200):
    return render_template("governance/provider_cases.html", rows=cases.case_details(current_user),
                           errors=errors or {}, typed=typed or {}, case_status=cases.case_status,
                           overdue_steps=cases.overdue_steps), status


@blp.route("/provider/cases")
@role_page("provider")
def provider_cases():
    """差评整改: my cases (anonymous: no enterprise, no rater) with deadlines and the report form."""
    return _render_provider_cases()


@blp.route("/provider/cases/<int:case_id>/rectification", methods=["POST"])
@role_page("provider")
def provider_rectification(case_id):
    """Report the rectification (整改)."""
    return _case_step(case_id, "rectification", CaseNoteArgsSchema(),
                      lambda actor, case, values: cases.record_rectification(actor, case, values["note"]),
                      _("已提交整改报告"), _render_provider_cases, "governance.provider_cases")


# ---- the enterprise's follow-up rating ------------------------------------------------------

@blp.route("/enterprise/visits/<int:visit_id>/followup", methods=["GET", "POST"])
@role_page("enterprise")
def followup(visit_id):
    """追加评价: the one follow-up rating after a bad review, on the rating page's form."""
    visit = db.session.get(Visit, visit_id)
    if visit is None or visit.enterprise_id != current_user.org_id:
        raise NotFound(_("入企记录不存在"))
    row = cases.progress_by_visit(current_user.org_id, [visit.id]).get(visit.id)
    if row is None or not cases.followup_allowed(row):
        flash(_("本次服务现在不能追加评价"), "error")
        return redirect(url_for("enterprise.visits"))
    errors, values = {}, {"level": None, "flags": [], "comment": ""}
    if request.method == "POST":
        data = form_dict(request.form, lists=("flags",), ints=("level",), optional=("comment",))
        values.update({key: data.get(key, values[key]) for key in values})
        args, errors = load_form(RatingArgsSchema(), data) if "level" in data else (None, {"level": [_("请选择评价等级")]})
        if not errors:
            try:
                rating.rate_visit(current_user, visit.id, args["level"], args["flags"], args["comment"], followup=True)
                db.session.commit()
                flash(_("已收到追加评价"), "ok")
                return redirect(url_for("enterprise.visits"))
            except (Conflict, Forbidden) as error:
                db.session.rollback()
                flash(error.message, "error")
                return redirect(url_for("enterprise.visits"))
            except DomainError as error:
                db.session.rollback()
                errors = error.errors or {"level": [error.message]}
    return render_template("governance/followup.html", visit=visit, row=row, levels=LEVELS, flags=FLAGS,
                           values=values, errors=errors), 422 if errors else 200


# ---- the agency's exit rules and failed scans -----------------------------------------------

@blp.route("/agency/rules", methods=["GET", "POST"])
@role_page("agency")
def agency_rules():
    """退出规则: every rule of my agency in one form, read with the PUT API's schema."""
    errors, typed = {}, None
    if request.method == "POST":
        data = form_dict(request.form, lists=("exit_flags",), ints=RULE_INTS)
        # An unticked box is not submitted at all; the form always states the setting.
        data["require_dynamic_codes"] = "require_dynamic_codes" in request.form
        values, errors = load_form(ExitRulesArgsSchema(), data)
        if not errors:
            performed, errors = _run(lambda actor: exit_rules.update_rules(actor, **values))
            if performed:
                flash(_("已保存退出规则，并已按新规则重新评估各机构"), "ok")
                return redirect(url_for("governance.agency_rules"))
        typed = data
    record = exit_rules.rules_record(current_user.org_id)
    return render_template("governance/rules.html", record=record, values=typed or record, errors=errors,
                           flags=FLAGS, defaults=exit_rules.DEFAULT_RULES), 422 if errors else 200


@blp.route("/agency/scans")
@role_page("agency")
def agency_scans():
    """异常扫码: failed scans of my codes per provider and per enterprise; forgeries stand out."""
    names = [name for name in ("from", "to") if request.args.get(name, "").strip()]
    values, errors = load_form(PeriodArgsSchema(), {name: request.args[name] for name in names})
    report = None
    if not errors:
        try:
            report = scans.failed_scans(current_user, values["date_from"], values["date_to"])
        except Invalid as error:
            errors = error.errors
    return render_template("governance/scans.html", report=report, errors=errors, args=request.args,
                           reason_labels=SCAN_REASON_LABELS, forged_reason=scans.FORGED), 422 if errors else 200


# ---- notifications --------------------------------------------------------------------------

@blp.route("/notifications")
@role_page(*EVERY_ROLE)
def notifications():
    """站内消息 of my organisation, unread first."""
    return render_template("governance/notifications.html",
                           messages=notify.notifications_for(current_user.org_id, unread_first=True),
                           kinds=notify.KINDS)


@blp.route("/notifications/read", methods=["POST"])
@role_page(*EVERY_ROLE)
def notifications_read():
    """Mark one message (``id``) or all of them read."""
    values, errors = load_form(MarkReadArgsSchema(), form_dict(request.form, ints=("id",), optional=("id",)))
    if errors:
        abort(404)  # the hidden id of a message button: no such message
    message_id = values["id"]
    marked = notify.mark_read(current_user.org_id, message_id)
    db.session.commit()
    if message_id is None:
        flash(_("已将 %(count)s 条消息标为已读", count=marked), "ok")
    return redirect(url_for("governance.notifications"))
