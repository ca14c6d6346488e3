"""Commissions and the life of a service code: apply, approve, reject, revoke, reissue."""
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..clock import as_utc, end_of_day, now, today
from ..extensions import db
from ..models import Commission, Organisation, ServiceCategory, ServiceCode, Staff
from ..models.codes import CODE_STATUS_LABELS
from . import audit, signing
from .errors import Conflict, Forbidden, Invalid, NotFound
from .exit_rules import requires_dynamic_codes
from .human_code import new_human_code
from .orgs import org_by_uscc
from .standing import BLOCKED_FOR_NEW_CODES, ensure_standing, standing_of


def _require_role(actor, role, message):
    if actor.role != role:
        raise Forbidden(message)


def _scope_errors(items, allowed, what):
    """Messages for a scope list that is empty, repeats itself or goes beyond ``allowed``."""
    if not items:
        return ["请至少选择一项服务事项"]
    if len(set(items)) != len(items):
        return ["服务事项有重复"]
    outside = [item for item in items if item not in allowed]
    if outside:
        return [f"不在{what}范围内：{'、'.join(outside)}"]
    return []


def create_commission(actor, provider_uscc, category, scope_items, start_date, end_date,
                      enterprise_usccs=None, visit_budget=None):
    """An agency commissions a provider. Raises Forbidden for non-agencies, Invalid per field."""
    _require_role(actor, "agency", "只有委托单位可以创建委托项目")
    errors = {}
    provider = None
    try:
        provider = org_by_uscc(provider_uscc, kind="provider", field="provider_uscc")
    except Invalid as error:
        errors.update(error.errors)
    catalogue = db.session.scalar(select(ServiceCategory).where(ServiceCategory.name == category))
    if catalogue is None:
        errors["category"] = ["服务目录中没有这个类别"]
    else:
        problems = _scope_errors(scope_items, catalogue.items, "该类别的服务目录")
        if problems:
            errors["scope_items"] = problems
    if start_date > end_date:
        errors["end_date"] = ["结束日期不能早于开始日期"]
    enterprises = []
    for index, uscc in enumerate(enterprise_usccs or []):
        try:
            enterprises.append(org_by_uscc(uscc, kind="enterprise", field="enterprise_usccs"))
        except Invalid:
            errors.setdefault("enterprise_usccs", []).append(f"第 {index + 1} 项：找不到该企业")
    if visit_budget is not None and visit_budget < 1:
        errors["visit_budget"] = ["入企次数预算须为正整数"]
    if errors:
        raise Invalid(errors)
    commission = Commission(
        agency_id=actor.org_id, provider_id=provider.id, category=category, scope_items=list(scope_items),
        start_date=start_date, end_date=end_date, visit_budget=visit_budget, created_by_id=actor.id,
        enterprises=list({org.id: org for org in enterprises}.values()),
    )
    db.session.add(commission)
    db.session.flush()
    ensure_standing(actor.org_id, provider.id)
    audit.record(actor, "commission.create", commission, after={
        "provider_id": provider.id, "category": category, "scope_items": list(scope_items),
        "start_date": start_date.isoformat(), "end_date": end_date.isoformat(),
        "enterprise_ids": [org.id for org in commission.enterprises],
    })
    return commission


def apply_for_code(actor, commission_id, enterprise_uscc, scope_items, valid_from, valid_until,
                   staff_ids, purpose):
    """A provider applies for a code under one of its commissions; the code starts ``pending``.

    Raises Forbidden for non-providers, Conflict when the provider is suspended or has exited
    under the commissioning agency, Invalid naming every field that breaks the commission.
    """
    _require_role(actor, "provider", "只有第三方机构可以申请服务码")
    errors = {}
    commission = db.session.get(Commission, commission_id)
    if commission is None or commission.provider_id != actor.org_id:
        raise Invalid({"commission_id": ["找不到本机构的这个委托项目"]})
    standing = standing_of(commission.agency_id, actor.org_id)
    if standing in BLOCKED_FOR_NEW_CODES:
        raise Conflict("本机构在该委托单位处已被暂停赋码或已退出，不能申请新的服务码")
    enterprise = None
    try:
        enterprise = org_by_uscc(enterprise_uscc, kind="enterprise", field="enterprise_uscc")
    except Invalid as error:
        errors.update(error.errors)
    if enterprise is not None and commission.enterprises and enterprise not in commission.enterprises:
        errors["enterprise_uscc"] = ["该企业不在委托项目的服务对象名单中"]
    problems = _scope_errors(scope_items, commission.scope_items, "委托项目的服务")
    if problems:
        errors["scope_items"] = problems
    errors.update(_window_errors(commission, valid_from, valid_until))
    staff_problems = _staff_errors(actor.org_id, staff_ids)
    if staff_problems:
        errors["staff_ids"] = staff_problems
    if not purpose.strip():
        errors["purpose"] = ["请填写入企目的"]
    if errors:
        raise Invalid(errors)
    code = ServiceCode(
        commission_id=commission.id, agency_id=commission.agency_id, provider_id=actor.org_id,
        enterprise_id=enterprise.id, scope_items=list(scope_items), valid_from=valid_from,
        valid_until=valid_until, purpose=purpose.strip(), status="pending", version=1,
        human_code=_unused_human_code(), applied_by_id=actor.id,
        staff=db.session.scalars(select(Staff).where(Staff.id.in_(staff_ids)).order_by(Staff.id)).all(),
    )
    db.session.add(code)
    db.session.flush()
    audit.record(actor, "code.apply", code, after=_snapshot(code))
    return code


def _window_errors(commission, valid_from, valid_until):
    errors = {}
    if valid_from > valid_until:
        errors["valid_until"] = ["有效期结束日期不能早于开始日期"]
    if valid_from < commission.start_date:
        errors["valid_from"] = [f"不能早于委托期开始日 {commission.start_date.isoformat()}"]
    if valid_until > commission.end_date:
        errors.setdefault("valid_until", []).append(f"不能晚于委托期结束日 {commission.end_date.isoformat()}")
    if valid_until < today():
        errors.setdefault("valid_until", []).append("有效期已经过去")
    return errors


def _staff_errors(provider_id, staff_ids):
    if not staff_ids:
        return ["请至少选择一名入企人员"]
    if len(set(staff_ids)) != len(staff_ids):
        return ["入企人员有重复"]
    found = set(db.session.scalars(select(Staff.id).where(
        Staff.id.in_(staff_ids), Staff.provider_id == provider_id, Staff.active.is_(True))))
    missing = [str(staff_id) for staff_id in staff_ids if staff_id not in found]
    return [f"不是本机构在册人员：{', '.join(missing)}"] if missing else []


def _unused_human_code():
    while True:
        candidate = new_human_code()
        if not db.session.scalar(select(ServiceCode.id).where(ServiceCode.human_code == candidate)):
            return candidate


def _snapshot(code):
    return {
        "status": code.status, "version": code.version, "scope_items": list(code.scope_items),
        "valid_from": code.valid_from.isoformat(), "valid_until": code.valid_until.isoformat(),
        "staff_ids": [staff.id for staff in code.staff], "reason": code.decision_reason,
    }


def code_for_agency(actor, code_id, lock=False):
    """The code if it was commissioned by the actor's agency. Raises Forbidden / NotFound."""
    _require_role(actor, "agency", "只有委托单位可以审核服务码")
    query = select(ServiceCode).where(ServiceCode.id == code_id)
    if lock:
        query = query.with_for_update()
    code = db.session.scalar(query)
    if code is None or code.agency_id != actor.org_id:
        raise NotFound("服务码不存在")
    return code


def _decide(actor, code, status, reason, action):
    before = _snapshot(code)
    code.status = status
    code.decided_by_id = actor.id if actor is not None else None
    code.decided_at = now()
    code.decision_reason = reason
    if status == "active":
        code.approved_at = code.version_issued_at = code.decided_at
    db.session.flush()
    audit.record(actor, action, code, before=before, after=_snapshot(code))
    return code


def _status_label(code):
    """The code's state as the people reading a refusal say it (生效中, 已撤销…)."""
    status = effective_status(code)
    return CODE_STATUS_LABELS.get(status, status)


def approve_code(actor, code_id):
    """Approve a pending code. Raises Conflict unless pending, or when the provider is blocked."""
    code = code_for_agency(actor, code_id, lock=True)
    if code.status != "pending":
        raise Conflict(f"只有待审核的服务码可以审核通过（当前：{_status_label(code)}）")
    if standing_of(code.agency_id, code.provider_id) in BLOCKED_FOR_NEW_CODES:
        raise Conflict("该机构已被暂停赋码或已退出，不能审核通过新的服务码")
    if code.valid_until < today():
        raise Conflict("该服务码的有效期已过，无法审核通过")
    return _decide(actor, code, "active", None, "code.approve")


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": ["请填写理由"]})
    return reason


def reject_code(actor, code_id, reason):
    """Reject a pending code with a reason. Raises Conflict unless pending."""
    reason = _reason(reason)
    code = code_for_agency(actor, code_id, lock=True)
    if code.status != "pending":
        raise Conflict(f"只有待审核的服务码可以驳回（当前：{_status_label(code)}）")
    return _decide(actor, code, "rejected", reason, "code.reject")


def revoke_code(actor, code_id, reason):
    """Revoke an active code with a reason; its QR stops working at once. Raises Conflict unless active."""
    reason = _reason(reason)
    code = code_for_agency(actor, code_id, lock=True)
    if code.status != "active":
        raise Conflict(f"只有生效中的服务码可以撤销（当前：{_status_label(code)}）")
    return _decide(actor, code, "revoked", reason, "code.revoke")


def revoke_for_exit(code, reason):
    """Revoke (active) or withdraw (pending) a code because its provider exited. System action."""
    return _decide(None, code, "revoked", reason, "code.revoke_on_exit")


def reissue_code(actor, code_id):
    """Give an active code a new version and a new human code: the QR and the human code printed
    or sent before stop working (the QR reads superseded).

    Raises NotFound unless it is the actor's provider's code, Conflict unless it is active.
    """
    _require_role(actor, "provider", "只有第三方机构可以重新签发服务码")
    code = db.session.scalar(select(ServiceCode).where(ServiceCode.id == code_id).with_for_update())
    if code is None or code.provider_id != actor.org_id:
        raise NotFound("服务码不存在")
    if effective_status(code) != "active":
        # An active code past its last day reads expired: nothing left to reissue.
        raise Conflict(f"只有生效中的服务码可以重新签发（当前：{_status_label(code)}）")
    before = {**_snapshot(code), "human_code": code.human_code}
    code.version += 1
    code.version_issued_at = now()
    # The human code is printed on the card beside the QR: a lost card's must stop working too.
    code.human_code = _unused_human_code()
    db.session.flush()
    audit.record(actor, "code.reissue", code, before=before, after={**_snapshot(code), "human_code": code.human_code})
    return code


def code_visible_to(actor, code_id):
    """The code if the actor's organisation is its provider, enterprise or agency (admin: any).

    Raises NotFound otherwise, so that other organisations cannot probe which codes exist.
    """
    code = db.session.get(ServiceCode, code_id)
    if code is None:
        raise NotFound("服务码不存在")
    if actor.role == "admin" or actor.org_id in (code.provider_id, code.enterprise_id, code.agency_id):
        return code
    raise NotFound("服务码不存在")


def effective_status(code, on=None):
    """The status as people see it: an active code past its last day reads ``expired``."""
    day = on or today()
    if code.status == "active" and code.valid_until < day:
        return "expired"
    return code.status


def codes_for(actor, status=None):
    """Codes the actor's organisation may list, newest first."""
    query = select(ServiceCode).order_by(ServiceCode.id.desc())
    column = {"provider": ServiceCode.provider_id, "enterprise": ServiceCode.enterprise_id,
              "agency": ServiceCode.agency_id}.get(actor.role)
    if column is not None:
        query = query.where(column == actor.org_id)
    if status:
        query = query.where(ServiceCode.status == status)
    return db.session.scalars(query.limit(500)).all()


# Who may hold a code's URL (and so its QR): the provider shows it at the door; the agency and the
# admin may look at it. Never the enterprise: with the URL it could "scan" with no provider at the
# door, open visits and rate them.
URL_HOLDERS = ("agency", "provider", "admin")


def code_url(code, keys, public_base_url):
    """The static URL printed into the code's QR: ``{PUBLIC_BASE_URL}/c/{token}``."""
    # A code not approved yet has no issued version; its token (typed-in human code) is stamped
    # with the application time and verifies as pending_approval.
    issued_at = as_utc(code.version_issued_at or code.applied_at)
    token = signing.sign_code(keys, code.id, code.version, _end_ts(code), issued_at.timestamp())
    return f"{public_base_url}/c/{token}"


def dynamic_code_url(code, keys, public_base_url, lifetime):
    """A short-lived URL for the phone screen and when it stops working: ``(url, expires_at)``."""
    issued = now()
    token = signing.sign_dynamic_code(keys, code.id, code.version, _end_ts(code))
    return f"{public_base_url}/c/{token}", issued.replace(microsecond=0) + timedelta(seconds=lifetime)


def _end_ts(code):
    return int(end_of_day(code.valid_until).timestamp())


def commissions_for(actor):
    """Commissions the actor's organisation made (agency) or holds (provider), newest first."""
    column = Commission.agency_id if actor.role == "agency" else Commission.provider_id
    return db.session.scalars(select(Commission).where(column == actor.org_id).order_by(Commission.id.desc())).all()


def code_of_provider(actor, code_id):
    """The code if the actor's provider applied for it. Raises NotFound otherwise (also for codes
    the actor's organisation may see in another role), so that providers cannot probe each other's codes."""
    code = db.session.get(ServiceCode, code_id)
    if code is None or actor.role != "provider" or code.provider_id != actor.org_id:
        raise NotFound("服务码不存在")
    return code


def code_to_show(actor, code_id):
    """The provider's own code whose QR may be shown or printed now.

    Raises NotFound for another provider's code, Conflict unless it is active today (pending,
    rejected, revoked, expired and completed codes have no QR to show).
    """
    code = code_of_provider(actor, code_id)
    if effective_status(code) != "active":
        raise Conflict("只有生效中的服务码才能亮码或打印")
    return code


def agency_codes(actor, status=None, oldest_first=False, limit=500):
    """Codes the actor's agency commissioned (of ``status`` if given), with provider, enterprise,
    staff and commission loaded in a few queries for the console's lists. Raises Forbidden for
    non-agencies."""
    _require_role(actor, "agency", "只有委托单位可以查看本单位委托的服务码")
    order = ServiceCode.id.asc() if oldest_first else ServiceCode.id.desc()
    query = (select(ServiceCode).where(ServiceCode.agency_id == actor.org_id).order_by(order).limit(limit)
             .options(selectinload(ServiceCode.provider), selectinload(ServiceCode.enterprise),
                      selectinload(ServiceCode.staff), selectinload(ServiceCode.commission)))
    if status:
        query = query.where(ServiceCode.status == status)
    return db.session.scalars(query).all()


def commissioned_providers(agency_id):
    """The providers an agency has commissioned, by name (for filters and the standing page)."""
    return db.session.scalars(
        select(Organisation).where(Organisation.id.in_(
            select(Commission.provider_id).where(Commission.agency_id == agency_id)))
        .order_by(Organisation.name)).all()


def commission_categories(agency_id):
    """The service categories an agency has commissioned, by name."""
    return db.session.scalars(
        select(Commission.category).where(Commission.agency_id == agency_id).distinct()
        .order_by(Commission.category)).all()


def code_to_print(actor, code_id):
    """The provider's own code whose static QR may be printed on a card now.

    Raises NotFound for another provider's code, Conflict unless it is active, and Conflict when
    the commissioning agency accepts only dynamic codes (a printed QR would be refused at the door).
    """
    code = code_to_show(actor, code_id)
    if requires_dynamic_codes(code.agency_id):
        raise Conflict("委托单位要求入企时出示手机动态码，打印的服务码卡片不能用于核验，请在现场打开亮码页面")
    return code
