"""Agency console (委托单位): approval queue, codes, satisfaction dashboard, bad reviews, standing,
export. Wide pages; every figure comes from a domain function, every decision goes through one."""
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mini_program_api.schemas import CodeQueryArgsSchema, PeriodArgsSchema, ReasonArgsSchema
from mini_program_api.schemas.common import RowId, Text
from server.clock import today
from server.domain import cases, exit_rules, export, issuing, orgs, rating, standing, stats
from server.domain.errors import Conflict, Invalid, NotFound
from server.extensions import db

from . import charts
from .access import role_page
from .forms import load_form

blp = Blueprint("agency", __name__, url_prefix="/agency")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DashboardArgsSchema(PeriodArgsSchema):
    """The dashboard's filters: the API's period plus one provider and one commission category."""

    provider = RowId(load_default=None, error_messages={"invalid": "请从列表中选择机构", "range": "请从列表中选择机构"})
    category = Text(max_length=64, load_default=None)


def _query_args(schema, names):
    """Read the non-empty query parameters ``names`` with ``schema``: ``(values, errors)``."""
    return load_form(schema, {name: request.args[name] for name in names if request.args.get(name, "").strip()})


def _period(values):
    """The period asked for, this year so far by default (as the API's statistics)."""
    date_to = values["date_to"] or today()
    return values["date_from"] or date(date_to.year, 1, 1), date_to


def _reason():
    """The ``reason`` field of the posted form read with the API's schema: ``(reason, errors)``."""
    values, errors = load_form(ReasonArgsSchema(), {"reason": request.form.get("reason", "")})
    return (values or {}).get("reason"), errors


def _decide(action, *args):
    """Run one decision and commit: ``(result, {})``. After a rollback, a state conflict becomes a
    flash message (never a 500) and ``(None, {})``; a rule broken by the input ``(None, errors)``."""
    try:
        result = action(current_user, *args)
        db.session.commit()
        return result, {}
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
        return None, {}
    except Invalid as error:
        db.session.rollback()
        return None, error.errors


# ---- approval queue and codes ---------------------------------------------------------------

def _render_queue(errors=None, typed=None, status=200):
    pending = issuing.agency_codes(current_user, status="pending", oldest_first=True)
    return render_template("agency/queue.html", codes=pending, errors=errors or {}, typed=typed or {}), status


@blp.route("/")
@role_page("agency")
def queue():
    """Approval queue: pending codes, oldest first, each with approve and reject-with-reason."""
    return _render_queue()


@blp.route("/codes/<int:code_id>/approve", methods=["POST"])
@role_page("agency")
def approve(code_id):
    """Approve a pending code (another agency's code: 404)."""
    approved, _errors = _decide(issuing.approve_code, code_id)
    if approved:
        flash(_("已审核通过，服务码生效"), "ok")
    return redirect(url_for("agency.queue"))


@blp.route("/codes/<int:code_id>/reject", methods=["POST"])
@role_page("agency")
def reject(code_id):
    """Reject a pending code; without a reason the queue shows the error at that code."""
    issuing.code_for_agency(current_user, code_id)
    reason, errors = _reason()
    if not errors:
        rejected, errors = _decide(issuing.reject_code, code_id, reason)
        if rejected:
            flash(_("已驳回该申请"), "ok")
    if errors:
        return _render_queue({code_id: errors}, {code_id: request.form.get("reason", "")}, 422)
    return redirect(url_for("agency.queue"))


def _render_codes(errors=None, typed=None, status=200):
    values, query_errors = _query_args(CodeQueryArgsSchema(), ("status",))
    found = issuing.agency_codes(current_user, status=(values or {}).get("status"))
    return render_template("agency/codes.html", codes=found, chosen=request.args.get("status", ""),
                           query_errors=query_errors, errors=errors or {}, typed=typed or {},
                           effective_status=issuing.effective_status), 422 if query_errors else status


@blp.route("/codes")
@role_page("agency")
def codes():
    """Codes of my agency, newest first, filtered by status; active ones can be revoked."""
    return _render_codes()


@blp.route("/codes/<int:code_id>/revoke", methods=["POST"])
@role_page("agency")
def revoke(code_id):
    """Revoke an active code with a reason; its QR stops working at once."""
    issuing.code_for_agency(current_user, code_id)
    reason, errors = _reason()
    if not errors:
        revoked, errors = _decide(issuing.revoke_code, code_id, reason)
        if revoked:
            flash(_("已撤销该服务码，二维码立即失效"), "ok")
    if errors:
        return _render_codes({code_id: errors}, {code_id: request.form.get("reason", "")}, 422)
    return redirect(url_for("agency.codes", status=request.args.get("status") or None))


# ---- dashboard, reviews, export -------------------------------------------------------------

@blp.route("/dashboard")
@role_page("agency")
def dashboard():
    """满意率 with its formula, codes issued, ratings; a monthly trend and a provider ranking as
    SVG charts; filters: period, provider, commission category."""
    values, errors = _query_args(DashboardArgsSchema(), ("from", "to", "provider", "category"))
    figures = None
    if not errors:
        date_from, date_to = _period(values)
        try:
            figures = stats.dashboard(current_user, date_from, date_to, values["provider"], values["category"])
        except Invalid as error:
            errors = error.errors
    chart_svgs = {}
    if figures:
        rules = exit_rules.rules_for(current_user.org_id)
        thresholds = (rules.warn_below, rules.suspend_below, rules.exit_below)
        chart_svgs = {"trend": charts.trend_chart(figures["months"], _("按月评价数与满意率")),
                      "ranking": charts.ranking_chart(figures["by_provider"], _("机构满意率排名"), thresholds)}
    return render_template(
        "agency/dashboard.html", figures=figures, charts=chart_svgs, errors=errors, args=request.args,
        providers=issuing.commissioned_providers(current_user.org_id),
        categories=issuing.commission_categories(current_user.org_id), formula=stats.FORMULA,
    ), 422 if errors else 200


@blp.route("/reviews")
@role_page("agency")
def reviews():
    """Bad reviews (差评) of my providers, newest first, with the enterprise and the rater by name."""
    values, errors = _query_args(DashboardArgsSchema(), ("provider",))
    found = rating.bad_reviews_for_agency(current_user.org_id, (values or {}).get("provider"))
    return render_template("agency/reviews.html", reviews=found, errors=errors, chosen=request.args.get("provider", ""),
                           providers=issuing.commissioned_providers(current_user.org_id),
                           case_status=cases.case_status, overdue_steps=cases.overdue_steps), 422 if errors else 200


@blp.route("/export.xlsx")
@role_page("agency")
def export_xlsx():
    """Excel of my agency's codes, visits and ratings in ``?from=&to=`` (default: this year)."""
    values, errors = _query_args(PeriodArgsSchema(), ("from", "to"))
    if not errors:
        date_from, date_to = _period(values)
        try:
            content = export.agency_workbook(current_user, date_from, date_to)
        except Invalid as error:
            errors = error.errors
    if errors:
        labels = {"from": _("开始日期"), "to": _("结束日期")}
        message = _("无法导出：") + "；".join(f"{labels.get(field, field)} {'、'.join(texts)}"
                                          for field, texts in errors.items())
        return render_template("error.html", status=422, message=message), 422
    filename = f"service-codes-{date_from.isoformat()}-{date_to.isoformat()}.xlsx"
    return content, 200, {"Content-Type": XLSX, "Content-Disposition": f'attachment; filename="{filename}"',
                          "Cache-Control": "no-store"}


# ---- standing: exit and reinstate -----------------------------------------------------------

def _render_standing(errors=None, typed=None, status=200):
    return render_template("agency/standing.html", providers=standing.agency_overview(current_user.org_id),
                           rules=exit_rules.rules_for(current_user.org_id), errors=errors or {},
                           typed=typed or {}, open_decisions=standing.open_decisions), status


@blp.route("/standing")
@role_page("agency")
def standing_page():
    """Each provider I commissioned: standing, the ratings the rules read, why; exit / reinstate."""
    return _render_standing()


def _standing_decision(provider_id, action, done):
    provider = orgs.get_org(provider_id)
    if provider.kind != "provider":
        raise NotFound(_("机构不存在"))
    reason, errors = _reason()
    if errors and action.__name__ not in standing.open_decisions(standing.standing_of(current_user.org_id, provider.id)):
        # No form for this decision on the page to show the reason's error at: the domain says
        # what is really wrong (not commissioned: 404; the state does not allow it: a flash).
        errors = {}
    if not errors:
        decided, errors = _decide(action, provider, reason or "")
        if decided:
            flash(done, "ok")
    if errors:
        return _render_standing({(provider_id, action.__name__): errors},
                                {(provider_id, action.__name__): request.form.get("reason", "")}, 422)
    return redirect(url_for("agency.standing_page"))


@blp.route("/standing/<int:provider_id>/exit", methods=["POST"])
@role_page("agency")
def exit_provider(provider_id):
    """Make the provider exit under my agency with a reason; its codes here are revoked."""
    return _standing_decision(provider_id, standing.exit_provider,
                              _("已决定该机构退出，其在本单位的生效和待审核服务码已全部撤销"))


@blp.route("/standing/<int:provider_id>/reinstate", methods=["POST"])
@role_page("agency")
def reinstate(provider_id):
    """Reinstate a suspended or exited provider with a written reason."""
    return _standing_decision(provider_id, standing.reinstate_provider, _("已恢复该机构，可重新申请服务码"))
