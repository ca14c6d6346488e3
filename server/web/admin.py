"""Admin area (平台管理员): organisations, accounts, service catalogue."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mini_program_api.schemas import OrgArgsSchema, UserArgsSchema
from server.domain import catalog, orgs
from server.domain.errors import Conflict, DomainError, Invalid
from server.extensions import db
from server.models.orgs import ROLES

from .access import role_page
from .forms import form_dict, load_form

blp = Blueprint("admin", __name__, url_prefix="/admin")

ORG_KINDS = ("agency", "provider", "enterprise")


def _save(action, *args):
    """Run one change and commit: ``(result, {})``, or ``(None, field errors)`` after a rollback.

    A domain error without fields (a state conflict) is shown under ``_form``.
    """
    try:
        result = action(current_user, *args)
        db.session.commit()
        return result, {}
    except DomainError as error:
        db.session.rollback()
        if isinstance(error, Invalid) or (isinstance(error, Conflict) and error.errors):
            return None, error.errors
        if isinstance(error, Conflict):
            return None, {"_form": [error.message]}
        raise


def _page():
    """The ``page`` query argument: 1 when missing or not a page number."""
    page = request.args.get("page", type=int) or 1
    return min(max(page, 1), 100_000)


# ---- organisations --------------------------------------------------------------------------

@blp.route("/", methods=["GET", "POST"], endpoint="orgs")
@role_page("admin")
def orgs_page():
    """Organisations by kind (filter by kind and name/USCC) and the form that registers one; the
    USCC check digit is checked by ``orgs.create_org`` and a wrong one is shown at the field."""
    errors, values = {}, {"kind": "enterprise", "uscc": "", "name": "", "contact_phone": ""}
    if request.method == "POST":
        data = form_dict(request.form, optional=("contact_phone",))
        values.update({key: data.get(key, "") for key in values})
        args, errors = load_form(OrgArgsSchema(), data)
        if not errors:
            org, errors = _save(orgs.create_org, args["kind"], args["uscc"], args["name"], args["contact_phone"])
            if org is not None:
                flash(_("已登记单位：%(name)s", name=org.name), "ok")
                return redirect(url_for("admin.orgs"))
    kind = request.args.get("kind") if request.args.get("kind") in ORG_KINDS else None
    found = orgs.find_orgs(kind, request.args.get("q"), _page())
    return render_template("admin/orgs.html", orgs=found, kinds=ORG_KINDS, values=values, errors=errors,
                           chosen=kind or "", q=request.args.get("q", "")), 422 if errors else 200


# ---- accounts -------------------------------------------------------------------------------

def _render_users(errors=None, values=None, row_errors=None, status=200):
    role = request.args.get("role") if request.args.get("role") in ROLES else None
    found = orgs.find_users(role, request.args.get("q"), _page())
    return render_template(
        "admin/users.html", users=found, roles=ROLES, chosen=role or "", q=request.args.get("q", ""),
        errors=errors or {}, values=values or {"username": "", "role": "enterprise", "org_uscc": ""},
        row_errors=row_errors or {},
    ), status


@blp.route("/users", methods=["GET", "POST"])
@role_page("admin")
def users():
    """Accounts (filter by role and username/organisation) and the form that creates one in the
    organisation with a given USCC."""
    if request.method == "GET":
        return _render_users()
    data = form_dict(request.form)
    values = {key: data.get(key, "") for key in ("username", "role", "org_uscc")}
    args, errors = load_form(UserArgsSchema(), data)
    if not errors:
        try:
            org = orgs.org_by_uscc(args["org_uscc"], field="org_uscc")
        except Invalid as error:
            errors = error.errors
        else:
            user, errors = _save(orgs.create_user, args["username"], args["password"], args["role"], org)
            if user is not None:
                flash(_("已创建账号：%(username)s", username=user.username), "ok")
                return redirect(url_for("admin.users"))
    return _render_users(errors, values, status=422)


@blp.route("/users/<int:user_id>/<any(disable, enable):change>", methods=["POST"])
@role_page("admin")
def set_active(user_id, change):
    """Disable or enable an account; a disabled account's sessions end at their next request."""
    user, errors = _save(orgs.set_user_active, user_id, change == "enable")
    if user is None:
        flash("；".join(text for texts in errors.values() for text in texts), "error")
    else:
        flash(_("已停用账号 %(username)s", username=user.username) if change == "disable"
              else _("已启用账号 %(username)s", username=user.username), "ok")
    return redirect(url_for("admin.users", role=request.args.get("role"), q=request.args.get("q")))


@blp.route("/users/<int:user_id>/password", methods=["POST"])
@role_page("admin")
def reset_password(user_id):
    """Set a new password (at least 8 characters); the account's old sessions end."""
    user, errors = _save(orgs.reset_password, user_id, request.form.get("password", ""))
    if user is None:
        return _render_users(row_errors={user_id: errors}, status=422)
    flash(_("已重置 %(username)s 的密码，原有登录已失效", username=user.username), "ok")
    return redirect(url_for("admin.users"))


# ---- service catalogue ----------------------------------------------------------------------

@blp.route("/catalog", methods=["GET", "POST"])
@role_page("admin")
def catalog_page():
    """The service catalogue: each category's kind and items (one per line), and a new category."""
    errors, typed = {}, {}
    if request.method == "POST":
        name = request.form.get("name", "")
        typed = {"name": name, "kind": request.form.get("kind", ""), "items": request.form.get("items", "")}
        category, field_errors = _save(catalog.edit_category, name, typed["kind"], typed["items"].splitlines())
        if category is not None:
            flash(_("已保存服务类别：%(name)s", name=category.name), "ok")
            return redirect(url_for("admin.catalog_page"))
        errors = {request.form.get("form", "new"): field_errors}
    return render_template("admin/catalog.html", categories=catalog.categories(), kinds=catalog.CATEGORY_KINDS,
                           errors=errors, typed=typed), 422 if errors else 200
