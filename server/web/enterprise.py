"""Enterprise pages, designed for a phone first: my visits, advance notice, rating, typing a code."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mini_program_api.schemas import RatingArgsSchema
from server.domain import issuing, notice, rating, visits
from server.domain.errors import Conflict, DomainError, Forbidden, NotFound
from server.extensions import db, limiter
from server.models import Visit
from server.models.ratings import FLAGS, LEVELS

from .access import role_page
from .forms import form_dict, load_form
from .scan import render_verdict, verify_for_page

blp = Blueprint("enterprise", __name__, url_prefix="/enterprise")


@blp.route("/visits", endpoint="visits")
@role_page("enterprise")
def visits_page():
    """我的入企记录: open visits first, then past ones, then codes that may still come."""
    found = visits.visits_for(current_user)
    return render_template(
        "enterprise/visits.html",
        open_visits=[visit for visit in found if visit.closed_at is None],
        past_visits=[visit for visit in found if visit.closed_at is not None],
        upcoming=notice.upcoming_codes(current_user.org_id),
        effective_status=issuing.effective_status,
    )


def _own_visit(visit_id):
    visit = db.session.get(Visit, visit_id)
    if visit is None or visit.enterprise_id != current_user.org_id:
        raise NotFound(_("入企记录不存在"))
    return visit


@blp.route("/visits/<int:visit_id>/checkout", methods=["POST"])
@role_page("enterprise")
def checkout(visit_id):
    """Record that the provider has left (exit time)."""
    try:
        visits.check_out_visit(current_user, visit_id)
        db.session.commit()
        flash(_("已登记离开时间，现在可以评价本次服务"), "ok")
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("enterprise.visits"))


@blp.route("/visits/<int:visit_id>/report", methods=["POST"])
@role_page("enterprise")
def report_forced_sales(visit_id):
    """One tap against a paid extra or a product pitch: the visit ends here (if still open) and
    the rating form opens with 强制推销 ticked, so the report reaches the agency as a bad review."""
    visit = _own_visit(visit_id)
    if visit.closed_at is None:
        visits.check_out_visit(current_user, visit.id)
        db.session.commit()
    return redirect(url_for("enterprise.rate", visit_id=visit.id, flag="forced_sales"))


@blp.route("/visits/<int:visit_id>/rate", methods=["GET", "POST"])
@role_page("enterprise")
def rate(visit_id):
    """Rate the visit: the five 好差评 levels as large tap targets, flags, a comment."""
    visit = _own_visit(visit_id)
    refusal = rating.rating_refusal(visit)
    if refusal and request.method == "GET":
        flash(refusal, "error")
        return redirect(url_for("enterprise.visits"))
    preset = [flag for flag in request.args.getlist("flag") if flag in FLAGS]
    errors, values = {}, {"level": None, "flags": preset, "comment": ""}
    if request.method == "POST":
        data = form_dict(request.form, lists=("flags",), ints=("level",), optional=("comment",))
        values.update({key: data.get(key, values[key]) for key in values})
        if "level" not in data:
            errors = {"level": [_("请选择评价等级")]}
        else:
            args, errors = load_form(RatingArgsSchema(), data)
        if not errors:
            try:
                rating.rate_visit(current_user, visit.id, args["level"], args["flags"], args["comment"])
                db.session.commit()
                flash(_("感谢评价！") if args["level"] >= 3 and not args["flags"]
                      else _("已收到您的反映，委托单位将在 1 个工作日内与您联系核实"), "ok")
                return redirect(url_for("enterprise.visits"))
            except (Conflict, Forbidden) as error:
                db.session.rollback()
                flash(error.message, "error")
                return redirect(url_for("enterprise.visits"))
            except DomainError as error:
                db.session.rollback()
                errors = error.errors or {"level": [error.message]}
    status = 422 if errors else 200
    return render_template("enterprise/rate.html", visit=visit, levels=LEVELS, flags=FLAGS,
                           values=values, errors=errors, rated_that_day=rating.rated_that_day(visit)), status


@blp.route("/enter-code", methods=["GET", "POST"])
@role_page("enterprise")
@limiter.limit("10 per minute", methods=["POST"], key_func=lambda: f"human-code:{current_user.id}")
def enter_code():
    """Type the 8-character code printed under the QR when the camera fails (rate-limited: a
    human code can be guessed in a way a signed token cannot)."""
    errors = {}
    typed = request.form.get("human_code", "")
    if request.method == "POST":
        code = notice.code_by_human_code(typed)
        if code is None:
            errors = {"human_code": [_("服务码编号不正确，请核对后重新输入（8 位，不含 0、1、I、L、O）")]}
        else:
            config = current_app.config
            return render_verdict(verify_for_page(
                issuing.code_url(code, config["SECRET_KEYS"], config["PUBLIC_BASE_URL"])))
    return render_template("enterprise/enter_code.html", errors=errors, typed=typed), 422 if errors else 200
