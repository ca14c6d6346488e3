"""Provider portal (第三方机构): apply for codes, my codes, show a code (亮码), print a card,
complete visits, ratings received, standing."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mini_program_api.schemas import CodeArgsSchema, SummaryArgsSchema
from server.clock import today
from server.domain import exit_rules, issuing, orgs, qr, rating, standing, visits
from server.domain.errors import Conflict, Invalid
from server.domain.verifying import RIGHTS, RIGHTS_EN
from server.extensions import db
from server.models.standing import STANDING_LABELS

from .access import role_page
from .forms import form_dict, load_form

blp = Blueprint("provider", __name__, url_prefix="/provider")

#: What each exit rule of ``server.domain.standing`` means, for the standing page.
RULE_LABELS = {
    "bad_reviews": "差评次数达到退出线",
    "satisfaction_below_warned": "满意率低于预警线",
    "satisfaction_below_suspended": "满意率低于暂停赋码线",
    "satisfaction_below_exited": "满意率低于退出线",
    "confirmed_flag": "委托单位确认了强制推销或超范围服务",
    "manual_exit": "委托单位决定退出",
    "reinstated": "委托单位决定恢复",
}


def _code_url(code):
    config = current_app.config
    return issuing.code_url(code, config["SECRET_KEYS"], config["PUBLIC_BASE_URL"])


@blp.app_template_global()
def qr_v(code):
    """The ``?v=`` of a code's QR image address: the fingerprint of its current URL."""
    return qr.fingerprint(_code_url(code))


@blp.route("/codes")
@role_page("provider")
def codes():
    """My codes with their state."""
    return render_template("provider/codes.html", codes=issuing.codes_for(current_user),
                           effective_status=issuing.effective_status)


def _my_commission(commission_id):
    """The commission if the signed-in provider holds it, else None."""
    return next((item for item in issuing.commissions_for(current_user) if item.id == commission_id), None)


@blp.route("/codes/new", methods=["GET", "POST"])
@role_page("provider")
def apply():
    """Apply for a code: first choose a commission, then fill in the form within its bounds."""
    commission_id = request.args.get("commission_id", type=int)
    if commission_id is None and request.method == "GET":
        held = issuing.commissions_for(current_user)
        states = {agency_id: standing.standing_of(agency_id, current_user.org_id)
                  for agency_id in {item.agency_id for item in held}}
        return render_template("provider/apply_choose.html", commissions=held, states=states,
                               blocked=standing.BLOCKED_FOR_NEW_CODES, today=today())
    commission = _my_commission(commission_id)
    if commission is None:
        abort(404)
    errors, problem = {}, None
    values = {"scope_items": [], "staff_ids": [],
              "valid_from": max(today(), commission.start_date).isoformat()}
    if request.method == "POST":
        data = form_dict(request.form, lists=("scope_items",), int_lists=("staff_ids",), ints=("commission_id",))
        data["commission_id"] = commission.id
        values = data
        args, errors = load_form(CodeArgsSchema(), data)
        if not errors:
            try:
                code = issuing.apply_for_code(
                    current_user, args["commission_id"], args["enterprise_uscc"], args["scope_items"],
                    args["valid_from"], args["valid_until"], args["staff_ids"], args["purpose"])
                db.session.commit()
                flash(_("已提交申请，等待委托单位审核。编号 %(human)s", human=code.human_code), "ok")
                return redirect(url_for("provider.code_detail", code_id=code.id))
            except Invalid as error:
                db.session.rollback()
                errors = error.errors
            except Conflict as error:
                db.session.rollback()
                problem = error.message
    return _apply_form(commission, values, errors, problem)


def _apply_form(commission, values, errors, problem):
    """Step 2 of applying: the commission's scope items, period and enterprises, my roster;
    422 with the errors at their fields, 409 with the reason when the provider may not apply."""
    page = render_template(
        "provider/apply.html", commission=commission, values=values, errors=errors, problem=problem,
        scope_options=[(item, item) for item in commission.scope_items],
        staff_options=[(person.id, f"{person.name} · {person.title}" if person.title else person.name)
                       for person in orgs.staff_of(current_user)],
        standing=standing.standing_of(commission.agency_id, current_user.org_id),
        blocked=standing.BLOCKED_FOR_NEW_CODES, labels=STANDING_LABELS)
    return page, 409 if problem else 422 if errors else 200


@blp.route("/codes/<int:code_id>")
@role_page("provider")
def code_detail(code_id):
    """One code: scope, validity, staff, status and decision, and what can be done with it."""
    code = issuing.code_of_provider(current_user, code_id)
    return render_template("provider/code.html", code=code, status=issuing.effective_status(code))


@blp.route("/codes/<int:code_id>/reissue", methods=["POST"])
@role_page("provider")
def reissue(code_id):
    """Give the code a new version (lost phone or card): every earlier QR stops working."""
    try:
        code = issuing.reissue_code(current_user, code_id)
        db.session.commit()
        flash(_("已重新签发（第 %(version)s 版）。之前打印或发出的二维码已失效，请重新打印。",
                version=code.version), "ok")
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("provider.code_detail", code_id=code_id))


def _code_or_refusal(find, code_id):
    """``(code, None)`` when ``find`` (issuing.code_to_show or code_to_print) allows the code,
    else ``(None, the 409 page saying why)``; another provider's code stays a 404."""
    try:
        return find(current_user, code_id), None
    except Conflict as error:
        code = issuing.code_of_provider(current_user, code_id)
        page = render_template("provider/not_showable.html", code=code, message=error.message,
                               status=issuing.effective_status(code))
        return None, (page, 409)


@blp.route("/codes/<int:code_id>/show")
@role_page("provider")
def show(code_id):
    """亮码: the QR full-screen on the phone, for the enterprise to scan at the door. On the phone
    the QR is always a dynamic code (动态码) that the page keeps refreshing, so a screenshot
    forwarded to someone else stops working; the static QR is for the printed card."""
    code, refusal = _code_or_refusal(issuing.code_to_show, code_id)
    if refusal:
        return refusal
    lifetime = current_app.config["DYNAMIC_CODE_LIFETIME"]
    page = render_template("provider/show.html", code=code, lifetime=lifetime, refresh=max(5, lifetime // 2),
                           dynamic_required=exit_rules.requires_dynamic_codes(code.agency_id))
    response = current_app.make_response(page)
    # The page states that the code is valid; a cached copy must not outlive a revocation.
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/codes/<int:code_id>/qr.<any(png, svg):fmt>")
@role_page("provider")
def code_qr(code_id, fmt):
    """The QR image of the code's current URL (the pages add ``?v=<fingerprint of the URL>`` so
    that a reissue or key rotation changes the image's address and no cached copy of the old QR
    is shown)."""
    code = issuing.code_to_show(current_user, code_id)
    return qr.image_response(_code_url(code), fmt, request.if_none_match, request.args.get("v"))


@blp.route("/codes/<int:code_id>/dynamic.<any(png, svg):fmt>")
@role_page("provider")
def dynamic_qr(code_id, fmt):
    """A fresh dynamic QR (动态码) for the phone screen; a screenshot of it stops working after the
    configured lifetime (dynamic_expired), so it is never cached."""
    code = issuing.code_to_show(current_user, code_id)
    config = current_app.config
    url, _expires_at = issuing.dynamic_code_url(code, config["SECRET_KEYS"], config["PUBLIC_BASE_URL"],
                                                config["DYNAMIC_CODE_LIFETIME"])
    response = current_app.response_class(qr.render_uncached(url, fmt), mimetype=qr.IMAGE_TYPES[fmt])
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/codes/<int:code_id>/card")
@role_page("provider")
def card(code_id):
    """The printable code card (A6): QR, human code, service information, the enterprise's rights."""
    code, refusal = _code_or_refusal(issuing.code_to_print, code_id)
    if refusal:
        return refusal
    return render_template("provider/card.html", code=code, rights=RIGHTS, rights_en=RIGHTS_EN)


def _visits_page(errors=None, values=None, status=200):
    found = visits.visits_for(current_user)
    return render_template(
        "provider/visits.html",
        open_visits=[visit for visit in found if visit.closed_at is None],
        past_visits=[visit for visit in found if visit.closed_at is not None],
        errors=errors or {}, values=values or {},
    ), status


@blp.route("/visits", endpoint="visits")
@role_page("provider")
def visits_page():
    """入企记录: open visits with the form to complete them, then past ones (without ratings)."""
    return _visits_page()


@blp.route("/visits/<int:visit_id>/complete", methods=["POST"])
@role_page("provider")
def complete_visit(visit_id):
    """Mark the visit done with a summary; errors stay at the visit's form."""
    summary = request.form.get("summary", "")
    args, errors = load_form(SummaryArgsSchema(), form_dict(request.form))
    if not errors:
        try:
            visits.complete_visit(current_user, visit_id, args["summary"])
            db.session.commit()
            flash(_("已完成服务，企业可以评价本次服务了"), "ok")
            return redirect(url_for("provider.visits"))
        except Invalid as error:
            db.session.rollback()
            errors = error.errors
        except Conflict as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("provider.visits"))
    return _visits_page({visit_id: errors}, {visit_id: summary}, 422)


@blp.route("/ratings")
@role_page("provider")
def ratings():
    """Ratings received, without anything that identifies the rater (anonymous to the provider)."""
    return render_template("provider/ratings.html", ratings=rating.ratings_received(current_user.org_id))


@blp.route("/standing", endpoint="standing")
@role_page("provider")
def standing_page():
    """My standing (信用状态): state, satisfaction with its formula, and why, with the ratings behind it."""
    summary = standing.provider_summary(current_user.org_id)
    reasons = [
        {**reason, "agency": orgs.get_org(reason["agency_id"]).name,
         "label": RULE_LABELS.get(reason["rule"], reason["rule"]),
         "ratings": rating.ratings_received(current_user.org_id, reason["rating_ids"])
         if reason.get("rating_ids") else []}
        for reason in summary["reasons"]
    ]
    agencies = {commission.agency_id: commission.agency.name for commission in issuing.commissions_for(current_user)}
    rule_sets = [(name, exit_rules.rules_for(agency_id)) for agency_id, name in sorted(agencies.items())]
    return render_template("provider/standing.html", summary=summary, reasons=reasons,
                           rule_sets=rule_sets or [("", standing.DEFAULT_RULES)])
