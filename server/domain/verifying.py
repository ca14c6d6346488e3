"""Verification at the door (核验): one function decides, in the order DESIGN.md fixes.

The path is budgeted: a token check, ONE query for the code with everything the verdict needs
(provider, enterprise, agency, commission, standing, open visit, and the staff as one row each),
and one insert for the scan record (plus the visit when one opens). No QR rendering, no lazy
loading. A scan that opens no visit (nearly all of them) runs both statements on the driver's
cursor of one pooled connection in autocommit (``server.driver_sql``): two round trips, no
transaction around them. A scan that opens a visit records it, its audit row and the scan in one
transaction of the session.
"""
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import and_, bindparam, insert, literal_column, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..clock import end_of_day, now, start_of_day
from ..driver_sql import DriverStatement, door_connection, run
from ..extensions import db
from ..models import Commission, ExitRule, Organisation, Scan, ServiceCode, Staff, Standing, Visit, code_staff
from ..models.visits import RAW_INPUT_LIMIT
from . import audit, signing

#: What people at the door read, Chinese first. ``{window}`` and ``{scope}`` are filled in.
MESSAGES = {
    "ok": ("服务码有效，可以入企", "Valid code: entry allowed"),
    "malformed": ("这不是入企服务码，请核对来源", "Not a service code"),
    "bad_signature": ("服务码被篡改或伪造，请拒绝入企并反映", "Altered or forged code: refuse entry and report it"),
    "unknown_code": ("查无此服务码", "No such code"),
    "superseded": ("此码已重新签发，请出示最新服务码", "Reissued: ask for the current code"),
    "pending_approval": ("服务码尚未经委托单位审核通过", "Not approved by the commissioning agency"),
    "rejected": ("服务码尚未经委托单位审核通过", "Not approved by the commissioning agency"),
    "provider_exited": ("该机构已被委托单位清退，不得入企", "Provider has exited: no entry"),
    "revoked": ("该服务码已被委托单位撤销", "Revoked by the commissioning agency"),
    "not_yet_valid": ("不在有效期内（有效期：{window}）", "Outside its validity period ({window})"),
    "expired": ("不在有效期内（有效期：{window}）", "Outside its validity period ({window})"),
    "dynamic_expired": ("动态码已过期，请对方刷新后重新出示", "Dynamic code expired: ask for a refreshed one"),
    "dynamic_required": ("委托单位要求出示手机动态码，请对方打开亮码页面", "The agency accepts only the live code on the phone screen"),
    "wrong_enterprise": ("此码不是签发给贵企业的", "Not issued for your enterprise"),
    "out_of_scope": ("该事项不在服务范围内（范围：{scope}）", "Not within the service scope ({scope})"),
}
RIGHTS = "这是委托的服务，不是检查：范围以外的事项您可以拒绝；如被推销产品或收取额外费用，可一键反映。"
RIGHTS_EN = ("This is a commissioned service, not an inspection: you may refuse anything outside the "
             "scope, and report any paid extra or product pitch with one tap.")

_provider = aliased(Organisation, name="provider")
_enterprise = aliased(Organisation, name="enterprise")
_agency = aliased(Organisation, name="agency")

# One row per staff member on the code (or one row with NULL staff when none is named).
_CODE_QUERY = DriverStatement(
    select(
        ServiceCode.id, ServiceCode.version, ServiceCode.status, ServiceCode.valid_from,
        ServiceCode.valid_until, ServiceCode.scope_items, ServiceCode.purpose,
        ServiceCode.provider_id, ServiceCode.enterprise_id, ServiceCode.agency_id, Commission.category,
        _provider.name.label("provider_name"), _provider.uscc.label("provider_uscc"),
        _provider.contact_phone.label("provider_phone"),
        _enterprise.name.label("enterprise_name"), _enterprise.uscc.label("enterprise_uscc"),
        _agency.name.label("agency_name"), _agency.contact_phone.label("agency_phone"),
        Standing.state.label("standing"), Visit.id.label("open_visit_id"),
        ExitRule.require_dynamic_codes.label("dynamic_only"), Staff.id.label("staff_id"),
        Staff.name.label("staff_name"), Staff.title.label("staff_title"), Staff.phone.label("staff_phone"),
    )
    .join(Commission, Commission.id == ServiceCode.commission_id)
    .join(_provider, _provider.id == ServiceCode.provider_id)
    .join(_enterprise, _enterprise.id == ServiceCode.enterprise_id)
    .join(_agency, _agency.id == ServiceCode.agency_id)
    .outerjoin(Standing, and_(Standing.agency_id == ServiceCode.agency_id,
                              Standing.provider_id == ServiceCode.provider_id))
    .outerjoin(Visit, and_(Visit.code_id == ServiceCode.id, Visit.closed_at.is_(None)))
    .outerjoin(ExitRule, ExitRule.agency_id == ServiceCode.agency_id)
    .outerjoin(code_staff, code_staff.c.code_id == ServiceCode.id)
    .outerjoin(Staff, Staff.id == code_staff.c.staff_id)
    .where(ServiceCode.id == bindparam("code_id"))
    .order_by(Staff.id)
)

_SCAN_COLUMNS = ("scanned_at", "code_id", "claimed_code_id", "token_version", "scanner_user_id",
                 "scanner_org_id", "valid", "reason", "scope_item", "raw_input", "dynamic", "visit_id")
_scans = Scan.__table__
# On PostgreSQL the scan record commits asynchronously, as SQLite's does in WAL mode with
# synchronous=NORMAL: a crash of the database server may lose the last fraction of a second of scan
# records, never corrupt them, and the person at the gate does not wait for a disk flush. In
# autocommit the INSERT is its own transaction, so the setting is made inside that one statement
# (set_config(…, true) holds for the current transaction only). A scan that opens a visit runs in
# the session's transaction instead and waits for the disk as every other change does.
_INSERT_SCAN = DriverStatement(
    insert(_scans).returning(_scans.c.id), column_keys=list(_SCAN_COLUMNS),
    on_dialect={"postgresql": insert(_scans).from_select(
        list(_SCAN_COLUMNS),
        select(*(bindparam(name, type_=_scans.c[name].type) for name in _SCAN_COLUMNS)).select_from(
            select(literal_column("set_config('synchronous_commit', 'off', true)")).subquery("relaxed")),
    ).returning(_scans.c.id)})


@dataclass(frozen=True)
class _Person:
    id: int
    name: str
    title: str | None
    phone: str


@dataclass
class Verdict:
    """The answer at the door: exactly one reason, the service information, the visit if opened."""

    valid: bool
    reason: str
    message: str
    message_en: str
    code: dict | None = None
    visit_id: int | None = None
    scan_id: int | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Scanner:
    """Who is scanning: a signed-in user (any role) or nobody."""

    user_id: int | None = None
    role: str | None = None
    org_id: int | None = None

    @property
    def id(self):
        """The scanning user's id, so that a Scanner can stand as the actor in the audit trail."""
        return self.user_id


def extract_token(raw, public_base_url):
    """The token inside a scanned URL (``{PUBLIC_BASE_URL}/c/{token}``) or the bare token itself.

    Returns None when the input is one of neither.
    """
    text = (raw or "").strip()
    if "/" not in text and ":" not in text:
        return text or None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    base = urlsplit(public_base_url)
    # Our URL exactly: the scheme, host and port printed into the QR, no user name in front of the
    # host (https://fwm.gov.cn@evil.example/… is a phishing shape). Tracking parameters that a
    # scanner appends (?from=…) are left aside.
    if parts.scheme.lower() != base.scheme.lower() or parts.netloc.lower() != base.netloc.lower():
        return None
    prefix = base.path.rstrip("/") + "/c/"
    if not parts.path.startswith(prefix):
        return None
    token = parts.path[len(prefix):]
    return token if token and "/" not in token else None


def mask_phone(phone):
    """138****0476: enough to match a call, not enough to collect. Only a number of 11 characters
    or more shows its first three and last four; a shorter one (an extension, a local number)
    shows its last two, and one under seven characters nothing."""
    if not phone or len(phone) < 7:
        return "****"
    if len(phone) < 11:
        return "****" + phone[-2:]
    return phone[:3] + "****" + phone[-4:]


def mask_name(name):
    """海宁＊＊＊有限公司: recognisable to the enterprise itself, not readable to a passer-by.
    At most the first two and the last four characters show, and never more than half of them."""
    length = len(name or "")
    head, tail = ((2, 4) if length >= 12 else (2, 2) if length >= 8 else (1, 2) if length >= 6
                  else (1, 1) if length >= 4 else (0, 0))
    if not head:
        return "＊＊＊"
    return name[:head] + "＊＊＊" + name[-tail:]


def _window_text(row):
    return f"{row.valid_from.isoformat()} 至 {row.valid_until.isoformat()}"


def _service_information(row, staff, full):
    """The service information shown after a scan; ``full`` only for the code's own enterprise."""
    return {
        "id": row.id,
        "version": row.version,
        "category": row.category,
        "scope_items": list(row.scope_items),
        "purpose": row.purpose,
        "valid_from": row.valid_from.isoformat(),
        "valid_until": row.valid_until.isoformat(),
        "provider": {"uscc": row.provider_uscc, "name": row.provider_name, "contact_phone": row.provider_phone},
        "enterprise": {
            "uscc": row.enterprise_uscc if full else row.enterprise_uscc[:6] + "********" + row.enterprise_uscc[-4:],
            "name": row.enterprise_name if full else mask_name(row.enterprise_name),
        },
        "agency": {"name": row.agency_name, "complaint_phone": row.agency_phone},
        "staff": [
            {"id": person.id, "name": person.name, "title": person.title,
             "phone": person.phone if full else mask_phone(person.phone)}
            for person in staff
        ],
        "masked": not full,
        "rights": RIGHTS,
        "rights_en": RIGHTS_EN,
    }


def _judge(claim, row, scanner, scope_item, instant, tolerance, dynamic_lifetime):
    """Steps 3–11 of the verification order, as one reason string."""
    if row is None:
        return "unknown_code"
    if claim.version < row.version:
        return "superseded"
    if claim.version > row.version:
        # A version we never issued with a valid signature means a leaked key; treat as forged.
        return "bad_signature"
    if row.status == "pending":
        return "pending_approval"
    if row.status == "rejected":
        return "rejected"
    if row.standing == "exited":
        return "provider_exited"
    if row.status == "revoked":
        return "revoked"
    if instant < start_of_day(row.valid_from) - tolerance:
        return "not_yet_valid"
    if instant >= end_of_day(row.valid_until) + tolerance or row.status in ("expired", "completed"):
        return "expired"
    if claim.dynamic and instant.timestamp() - claim.signed_at_ts > dynamic_lifetime:
        return "dynamic_expired"
    if not claim.dynamic and row.dynamic_only:
        return "dynamic_required"
    if scanner.role == "enterprise" and scanner.org_id != row.enterprise_id:
        return "wrong_enterprise"
    if scope_item is not None and scope_item not in row.scope_items:
        return "out_of_scope"
    return "ok"


def verify_scan(raw_input, scanner, *, keys, public_base_url, scope_item=None,
                tolerance_seconds=300, dynamic_lifetime=60):
    """Verify one scanned code and record the scan; open a visit when the code's enterprise scans.

    Never raises for bad input: every outcome is a :class:`Verdict` with one reason. A scan while a
    visit of the code is open returns that visit instead of opening a second one.
    """
    instant = now()
    raw_input = raw_input if isinstance(raw_input, str) else str(raw_input)
    claim, reason, claimed_code_id = _read_token(raw_input, keys, public_base_url)
    with door_connection() as door:
        rows = run(door, _CODE_QUERY, {"code_id": claim.code_id}) if claim is not None else []
        row = rows[0] if rows else None
        if claim is not None:
            reason = _judge(claim, row, scanner, scope_item, instant, timedelta(seconds=tolerance_seconds),
                            dynamic_lifetime)
        own_enterprise = row is not None and scanner.role == "enterprise" and scanner.org_id == row.enterprise_id
        visit_id = row.open_visit_id if reason == "ok" and own_enterprise else None
        record = {
            "scanned_at": instant, "code_id": row.id if row is not None else None,
            "claimed_code_id": claimed_code_id, "token_version": claim.version if claim else None,
            "scanner_user_id": scanner.user_id, "scanner_org_id": scanner.org_id, "valid": reason == "ok",
            "reason": reason, "scope_item": (scope_item or None) and _storable(scope_item[:100]),
            "raw_input": _storable(raw_input[:RAW_INPUT_LIMIT]), "dynamic": bool(claim and claim.dynamic),
            "visit_id": visit_id,
        }
        opens_visit = reason == "ok" and own_enterprise and visit_id is None
        if opens_visit:
            record["visit_id"] = visit_id = _open_visit(row, scanner, instant)
        # The visit, its audit row and the scan that opened it: one transaction of the session.
        scan_id = run(None if opens_visit else door, _INSERT_SCAN, record)[0].id
    staff = [_Person(r.staff_id, r.staff_name, r.staff_title, r.staff_phone) for r in rows if r.staff_id is not None]
    zh, en = MESSAGES[reason]
    fill = {}
    if row is not None:
        fill = {"window": _window_text(row), "scope": "、".join(row.scope_items)}
    show_code = row is not None and reason not in ("malformed", "bad_signature", "unknown_code")
    return Verdict(
        valid=reason == "ok", reason=reason, message=zh.format(**fill), message_en=en.format(**fill),
        code=_service_information(row, staff, own_enterprise) if show_code else None,
        visit_id=visit_id, scan_id=scan_id,
    )


def _read_token(raw_input, keys, public_base_url):
    """Steps 1–2 of the verification order: ``(claim, reason, claimed code id)``; the reason is
    None when the signature holds (the code's own state decides)."""
    token = extract_token(raw_input, public_base_url)
    if token is None:
        return None, "malformed", None
    try:
        return signing.read_code(keys, token), None, None
    except signing.MalformedToken:
        return None, "malformed", None
    except signing.ForgedToken as forged:
        return None, "bad_signature", forged.claimed_code_id


def _storable(text):
    """What was scanned, as text any database keeps: PostgreSQL refuses the NUL character, and no
    database takes a lone surrogate (half of a UTF-16 pair), which a forged or garbled scan may
    carry; each is kept visible as U+FFFD."""
    text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _open_visit(row, scanner, instant):
    """Open the visit; if a simultaneous scan opened it first, return that one."""
    visit = Visit(code_id=row.id, agency_id=row.agency_id, provider_id=row.provider_id,
                  enterprise_id=row.enterprise_id, entered_at=instant, opened_by_id=scanner.user_id)
    try:
        with db.session.begin_nested():
            db.session.add(visit)
    except IntegrityError:
        return db.session.scalar(select(Visit.id).where(Visit.code_id == row.id, Visit.closed_at.is_(None)))
    audit.record(scanner, "visit.open", visit, after={"code_id": row.id, "entered_at": instant.isoformat()})
    return visit.id
