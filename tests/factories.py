"""Factory helpers for tests: build organisations, accounts, commissions and codes.

Organisations and accounts are made through the admin API, commissions and codes through the
agency and provider API, so that fixtures walk the same paths as clients.
"""
import io
import itertools
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from stdnum.cn import uscc as uscc_number

from server import clock
from server.domain import signing
from server.domain.catalog import upsert_category
from server.domain.orgs import create_admin
from server.extensions import db
from server.models import Standing, User

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "server", "demo_data")
PASSWORD = "correct-horse-9"
_counter = itertools.count(1)
TEST_KEYS = ["test-key-older", "test-key-newest"]


def make_uscc(kind_digit="9", seq=None):
    """A valid USCC (GB 32100-2015 check digit) that no sample organisation uses."""
    number = seq if seq is not None else next(_counter)
    body = f"{kind_digit}1330481{number:09d}"[:17]
    return body + uscc_number.calc_check_digit(body)


@dataclass
class Org:
    id: int
    uscc: str
    name: str
    kind: str
    username: str
    headers: dict
    staff_ids: list = field(default_factory=list)


class World:
    """Builds what a test needs. ``world.agency()``, ``world.provider()``, ``world.enterprise()``,
    ``world.commission(...)``, ``world.code(...)``, ``world.login(username)``."""

    def __init__(self, app, client):
        self.app = app
        self.client = client
        with open(os.path.join(DATA, "service_catalog.json"), encoding="utf-8") as handle:
            self.catalogue = json.load(handle)
        with app.app_context():
            for entry in self.catalogue:
                upsert_category(entry["category"], entry["kind"], entry["items"])
            create_admin("admin", PASSWORD)
            db.session.commit()
        self.admin = self.login("admin")

    # ---- accounts ---------------------------------------------------------------------------

    def login(self, username, password=PASSWORD):
        response = self.client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": "Bearer " + response.get_json()["access_token"]}

    def _org(self, kind, name, contact_phone=None, uscc=None):
        digit = {"agency": "1", "provider": "9", "enterprise": "9"}[kind]
        uscc = uscc or make_uscc(digit)
        body = {"kind": kind, "uscc": uscc, "name": name}
        if contact_phone:
            body["contact_phone"] = contact_phone
        response = self.client.post("/api/v1/admin/orgs", json=body, headers=self.admin)
        assert response.status_code == 201, response.get_json()
        org_id = response.get_json()["id"]
        username = f"{kind}{org_id}"
        response = self.client.post("/api/v1/admin/users", headers=self.admin, json={
            "username": username, "password": PASSWORD, "role": kind, "org_uscc": uscc})
        assert response.status_code == 201, response.get_json()
        return Org(org_id, uscc, name, kind, username, self.login(username))

    def user(self, org, username):
        """Another account of the same organisation."""
        response = self.client.post("/api/v1/admin/users", headers=self.admin, json={
            "username": username, "password": PASSWORD, "role": org.kind, "org_uscc": org.uscc})
        assert response.status_code == 201, response.get_json()
        return self.login(username)

    def agency(self, name="海宁市应急管理局", phone="0573-87011234"):
        return self._org("agency", name, phone)

    def enterprise(self, name="海宁兴隆恒远皮革有限公司"):
        return self._org("enterprise", name, "18005732249")

    def provider(self, name="浙江安远安全技术咨询有限公司", staff=(("杨明超", "19556796249", "安全评价师"),
                                                                ("罗芳", "13695112541", "工程师"))):
        org = self._org("provider", name, "0571-88001234")
        for person_name, phone, title in staff:
            response = self.client.post("/api/v1/staff", headers=org.headers,
                                        json={"name": person_name, "phone": phone, "title": title})
            assert response.status_code == 201, response.get_json()
            org.staff_ids.append(response.get_json()["id"])
        return org

    # ---- commissions and codes --------------------------------------------------------------

    def commission(self, agency, provider, category="安全生产咨询",
                   scope_items=("安全隐患排查", "安全培训", "应急预案编制指导"),
                   start=date(2026, 11, 1), end=date(2027, 10, 31), enterprises=None):
        body = {"provider_uscc": provider.uscc, "category": category, "scope_items": list(scope_items),
                "start_date": start.isoformat(), "end_date": end.isoformat()}
        if enterprises is not None:
            body["enterprise_usccs"] = [org.uscc for org in enterprises]
        response = self.client.post("/api/v1/commissions", json=body, headers=agency.headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def apply(self, provider, commission, enterprise, scope_items=("安全隐患排查", "安全培训"),
              valid_from=date(2026, 12, 1), valid_until=date(2026, 12, 31), staff_ids=None,
              purpose="年度安全隐患排查服务"):
        body = {"commission_id": commission["id"], "enterprise_uscc": enterprise.uscc,
                "scope_items": list(scope_items), "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat(),
                "staff_ids": list(staff_ids if staff_ids is not None else provider.staff_ids),
                "purpose": purpose}
        return self.client.post("/api/v1/codes", json=body, headers=provider.headers)

    def code(self, agency, provider, enterprise, commission=None, approve=True, **apply_kwargs):
        """An applied (and by default approved) code; returns the code JSON."""
        commission = commission or self.commission(agency, provider)
        response = self.apply(provider, commission, enterprise, **apply_kwargs)
        assert response.status_code == 201, response.get_json()
        code = response.get_json()
        if approve:
            response = self.client.post(f"/api/v1/codes/{code['id']}/approve", headers=agency.headers)
            assert response.status_code == 200, response.get_json()
            code = response.get_json()
        return code

    def verify(self, token, headers=None, scope_item=None):
        body = {"token": token}
        if scope_item is not None:
            body["scope_item"] = scope_item
        response = self.client.post("/api/v1/verifications", json=body, headers=headers or {})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def visit(self, agency, provider, enterprise, code=None):
        """An open visit: the enterprise scans an approved code. Returns (code, visit_id)."""
        code = code or self.code(agency, provider, enterprise)
        verdict = self.verify(code["url"], enterprise.headers)
        assert verdict["reason"] == "ok", verdict
        return code, verdict["visit_id"]

    def completed_visit(self, agency, provider, enterprise, code=None):
        code, visit_id = self.visit(agency, provider, enterprise, code)
        response = self.client.post(f"/api/v1/visits/{visit_id}/complete", headers=provider.headers,
                                    json={"summary": "完成隐患排查，发现 2 处问题，已当场告知"})
        assert response.status_code == 200, response.get_json()
        return code, visit_id

    def rated_visit(self, agency, provider, enterprise, level, flags=(), comment=None, commission=None, code=None):
        """A completed visit rated ``level`` on a code of its own: a new code under ``commission``
        (or like ``code``: its commission and scope; or under a new commission), as a separate
        service — ratings
        count one per code and day, bad reviews one per code. Returns (code, visit_id, rating)."""
        like = {}
        if code is not None:
            commission, like = commission or {"id": code["commission_id"]}, {"scope_items": code["scope_items"]}
        code = self.code(agency, provider, enterprise, commission=commission or self.commission(agency, provider), **like)
        _code, visit_id = self.completed_visit(agency, provider, enterprise, code)
        response = self.rate(enterprise, visit_id, level, flags, comment)
        assert response.status_code == 201, response.get_json()
        return code, visit_id, response.get_json()

    def rate(self, enterprise, visit_id, level, flags=(), comment=None):
        body = {"level": level, "flags": list(flags)}
        if comment is not None:
            body["comment"] = comment
        return self.client.post(f"/api/v1/visits/{visit_id}/rating", json=body, headers=enterprise.headers)

    def sign_in_again(self, *orgs):
        """Fresh access tokens for ``orgs`` (and the admin) after the clock moved past their lifetime."""
        self.admin = self.login("admin")
        for org in orgs:
            org.headers = self.login(org.username)

    # ---- reading the database ---------------------------------------------------------------

    def count(self, model):
        """Rows of a model or table, read in a fresh application context."""
        with self.app.app_context():
            return db.session.scalar(select(func.count()).select_from(model))

    def snapshot(self):
        """Row counts of every table: equal before and after means nothing was stored."""
        with self.app.app_context():
            return {table.name: db.session.scalar(select(func.count()).select_from(table))
                    for table in db.metadata.sorted_tables}

    def user_id(self, org_or_username):
        """The id of an organisation's first account (or of the account with this username)."""
        username = getattr(org_or_username, "username", org_or_username)
        with self.app.app_context():
            return db.session.scalar(select(User.id).where(User.username == username))

    def set_standing(self, agency, provider, state):
        """Put the provider in ``state`` under the agency directly (the rules are proven elsewhere)."""
        with self.app.app_context():
            row = db.session.scalar(select(Standing).where(
                Standing.agency_id == agency.id, Standing.provider_id == provider.id))
            if row is None:
                row = Standing(agency_id=agency.id, provider_id=provider.id, reasons=[], changed_at=clock.now())
                db.session.add(row)
            row.state = state
            db.session.commit()


# ---- helpers for the behaviour suites -------------------------------------------------------

def assert_error(response, status, fields=None):
    """Assert the phone API's one error shape: ``{"code", "message", "errors"?}``.

    ``fields`` (validation errors only) is the exact set of fields ``errors`` must name, each with a
    non-empty list of texts; without ``fields`` the body must have no ``errors`` key at all.
    Returns the body.
    """
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.is_json, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == status
    assert isinstance(body["message"], str) and body["message"].strip()
    if fields is None:
        assert set(body) == {"code", "message"}, body
    else:
        assert set(body) == {"code", "message", "errors"}, body
        assert set(body["errors"]) == set(fields), body["errors"]
        for texts in body["errors"].values():
            assert texts and all(isinstance(text, str) and text.strip() for text in texts), body["errors"]
    return body


def decode_qr(image_bytes):
    """Every QR code a real decoder (zxing-cpp) finds in a PNG (or other PIL-readable) image."""
    import zxingcpp
    from PIL import Image

    image = Image.open(io.BytesIO(image_bytes))
    return [result for result in zxingcpp.read_barcodes(image) if result.valid]


_SVG_MODULE = re.compile(r"M(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)H(\d+(?:\.\d+)?)V(\d+(?:\.\d+)?)H\d+(?:\.\d+)?z")


def rasterise_qr_svg(svg_bytes, scale=10):
    """Draw the unit squares of qrcode's SvgPathImage (``M x,y H x+1 V y+1 H x z``) into a PNG.

    Only that shape is understood: enough to hand the SVG we serve to a real decoder.
    """
    from PIL import Image, ImageDraw

    text = svg_bytes.decode("utf-8")
    size = int(float(re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', text).group(1)))
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    squares = _SVG_MODULE.findall(text)
    assert squares, "no modules found in the SVG path"
    for x1, y1, x2, y2 in squares:
        draw.rectangle([float(x1) * scale, float(y1) * scale, float(x2) * scale - 1, float(y2) * scale - 1], fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def sign_code_token(code_id, version=1, valid_until=date(2026, 12, 31), issued_at=None, keys=TEST_KEYS):
    """A correctly signed static token for any code id and version: what the URL of a code that
    never had one (pending, rejected, unknown) would look like if it leaked or were guessed."""
    end_ts = int(clock.end_of_day(valid_until).timestamp())
    issued_ts = int((issued_at or clock.now()).timestamp())
    return signing.sign_code(keys, code_id, version, end_ts, issued_ts)


def token_of(url):
    """The token part of ``{PUBLIC_BASE_URL}/c/{token}``."""
    return url.rsplit("/c/", 1)[1]


def finished_code_like(code_id):
    """A copy of a code (same commission, parties, scope, window and staff) whose service is over
    (``completed``), written straight into the session; returns its id.

    Ratings count one per code and day (rating.rate_visit) and bad reviews one per code
    (standing.judge): tests that rate many visits give each visit a code of its own, as separate
    services would have. Being completed, the copies are not among the codes an exit revokes.
    """
    from server.domain.human_code import new_human_code
    from server.models import ServiceCode

    code = db.session.get(ServiceCode, code_id)
    copy = ServiceCode(
        commission_id=code.commission_id, agency_id=code.agency_id, provider_id=code.provider_id,
        enterprise_id=code.enterprise_id, scope_items=list(code.scope_items), valid_from=code.valid_from,
        valid_until=code.valid_until, purpose=code.purpose, status="completed", version=1,
        human_code=new_human_code(), applied_at=code.applied_at, approved_at=code.approved_at,
        version_issued_at=code.version_issued_at, staff=list(code.staff))
    db.session.add(copy)
    db.session.flush()
    return copy.id
