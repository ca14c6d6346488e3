"""POST /api/v1/verifications: every reason of DESIGN.md, their order, scans, visits, masking, keys."""
import base64
import json
from datetime import date

import pytest
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from server import clock
from server.domain import signing
from server.extensions import db
from server.models import Scan, Visit
from server.models.visits import RAW_INPUT_LIMIT
from tests.conftest import BASE_URL, NOW, make_app, move_clock, set_clock_shanghai
from tests.factories import World, assert_error, sign_code_token, token_of

WINDOW_MESSAGE = "不在有效期内（有效期：2026-12-01 至 2026-12-31）"


@pytest.fixture
def parties(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    commission = world.commission(agency, provider)
    return agency, provider, enterprise, commission


def _scans(world):
    with world.app.app_context():
        return [
            {"reason": scan.reason, "valid": scan.valid, "code_id": scan.code_id, "visit_id": scan.visit_id,
             "scanner_org_id": scan.scanner_org_id, "token_version": scan.token_version,
             "raw_input": scan.raw_input, "dynamic": scan.dynamic, "scope_item": scan.scope_item}
            for scan in db.session.scalars(select(Scan).order_by(Scan.id))
        ]


def _tamper(url, code_id):
    """Point the token at another code id, keeping the original signature."""
    token = token_of(url)
    payload, timestamp, signature = token.split(".")
    claim = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claim[0] = code_id
    forged = base64.urlsafe_b64encode(json.dumps(claim, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{BASE_URL}/c/{forged}.{timestamp}.{signature}"


# ---- valid scans ----------------------------------------------------------------------------

def test_own_enterprise_scan_is_valid_shows_everything_and_opens_a_visit(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    verdict = world.verify(code["url"], enterprise.headers)

    visit_id = verdict.pop("visit_id")
    assert isinstance(visit_id, int)
    assert verdict == {
        "valid": True, "reason": "ok", "message": "服务码有效，可以入企", "message_en": "Valid code: entry allowed",
        "viewer": "enterprise",
        "code": {
            "id": code["id"], "version": 1, "category": "安全生产咨询",
            "scope_items": ["安全隐患排查", "安全培训"], "purpose": "年度安全隐患排查服务",
            "valid_from": "2026-12-01", "valid_until": "2026-12-31",
            "provider": {"uscc": provider.uscc, "name": "浙江安远安全技术咨询有限公司", "contact_phone": "0571-88001234"},
            "enterprise": {"uscc": enterprise.uscc, "name": "海宁兴隆恒远皮革有限公司"},
            "agency": {"name": "海宁市应急管理局", "complaint_phone": "0573-87011234"},
            "staff": [
                {"id": provider.staff_ids[0], "name": "杨明超", "title": "安全评价师", "phone": "19556796249"},
                {"id": provider.staff_ids[1], "name": "罗芳", "title": "工程师", "phone": "13695112541"},
            ],
            "masked": False,
            "rights": "这是委托的服务，不是检查：范围以外的事项您可以拒绝；如被推销产品或收取额外费用，可一键反映。",
            "rights_en": ("This is a commissioned service, not an inspection: you may refuse anything outside "
                          "the scope, and report any paid extra or product pitch with one tap."),
        },
    }
    enterprise_user_id = world.user_id(enterprise)
    with world.app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert (visit.code_id, visit.enterprise_id, visit.provider_id, visit.agency_id) == (
            code["id"], enterprise.id, provider.id, agency.id)
        assert clock.as_utc(visit.entered_at) == NOW
        assert visit.opened_by_id == enterprise_user_id
        assert visit.status == "open"
    assert _scans(world) == [{
        "reason": "ok", "valid": True, "code_id": code["id"], "visit_id": visit_id, "scanner_org_id": enterprise.id,
        "token_version": 1, "raw_input": code["url"], "dynamic": False, "scope_item": None,
    }]


def test_bare_token_is_accepted_like_the_url(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    verdict = world.verify(token_of(code["url"]), enterprise.headers)

    assert (verdict["reason"], verdict["valid"]) == ("ok", True)
    assert isinstance(verdict["visit_id"], int)


def test_second_scan_while_the_visit_is_open_returns_the_same_visit(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    first = world.verify(code["url"], enterprise.headers)
    move_clock(minutes=20)
    second = world.verify(code["url"], world.user(enterprise, "enterprise-guard"))

    assert second["visit_id"] == first["visit_id"]
    assert world.count(Visit) == 1
    assert [scan["visit_id"] for scan in _scans(world)] == [first["visit_id"], first["visit_id"]]


def test_a_scan_after_the_visit_closed_opens_a_new_one(world, parties):
    agency, provider, enterprise, commission = parties
    code, first_visit = world.completed_visit(agency, provider, enterprise,
                                              world.code(agency, provider, enterprise, commission=commission))
    move_clock(hours=2)

    verdict = world.verify(code["url"], enterprise.headers)

    assert verdict["reason"] == "ok"
    assert verdict["visit_id"] not in (None, first_visit)
    assert world.count(Visit) == 2


def test_anonymous_scan_shows_authenticity_masked_and_opens_no_visit(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    verdict = world.verify(code["url"])

    assert (verdict["valid"], verdict["reason"], verdict["visit_id"], verdict["viewer"]) == (True, "ok", None, "anonymous")
    shown = verdict["code"]
    assert shown["masked"] is True
    assert shown["enterprise"] == {"uscc": enterprise.uscc[:6] + "********" + enterprise.uscc[-4:],
                                   "name": "海宁＊＊＊有限公司"}
    assert [person["phone"] for person in shown["staff"]] == ["195****6249", "136****2541"]
    assert [person["name"] for person in shown["staff"]] == ["杨明超", "罗芳"]
    assert shown["provider"]["name"] == "浙江安远安全技术咨询有限公司"
    assert shown["agency"] == {"name": "海宁市应急管理局", "complaint_phone": "0573-87011234"}
    assert world.count(Visit) == 0
    assert _scans(world)[0]["scanner_org_id"] is None


def test_scan_by_a_non_enterprise_account_is_masked_and_opens_no_visit(world, parties, subtests):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    for who, headers in (("provider", provider.headers), ("agency", agency.headers), ("admin", world.admin)):
        with subtests.test(who=who):
            verdict = world.verify(code["url"], headers)
            assert (verdict["reason"], verdict["visit_id"], verdict["viewer"]) == ("ok", None, "other")
            assert verdict["code"]["masked"] is True
            assert world.count(Visit) == 0


def test_scan_with_a_stale_sign_in_is_answered_as_anonymous(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    move_clock(hours=9)

    verdict = world.verify(code["url"], enterprise.headers)
    garbage = world.verify(code["url"], {"Authorization": "Bearer not-a-token"})

    for answer in (verdict, garbage):
        assert (answer["reason"], answer["visit_id"], answer["viewer"]) == ("ok", None, "anonymous")
        assert answer["code"]["masked"] is True
    assert world.count(Visit) == 0


# ---- every reason ---------------------------------------------------------------------------

def test_scan_by_another_enterprise_is_wrong_enterprise(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    neighbour = world.enterprise("海宁市金潮化纤有限公司")

    verdict = world.verify(code["url"], neighbour.headers)

    assert (verdict["valid"], verdict["reason"], verdict["visit_id"], verdict["viewer"]) == (
        False, "wrong_enterprise", None, "other")
    assert (verdict["message"], verdict["message_en"]) == ("此码不是签发给贵企业的", "Not issued for your enterprise")
    assert verdict["code"]["masked"] is True
    assert verdict["code"]["enterprise"]["name"] == "海宁＊＊＊有限公司"
    assert world.count(Visit) == 0


NOT_OUR_CODES = [
    "hello", " ", "https://weixin.qq.com/r/abcdef", "WIFI:S:factory;T:WPA;P:secret;;",
    "https://evil.example.com/c/WzEsMSwxNzk4NzMyODAwXQ.axDNIA.AHDRqxrHDJ6Zp_5QHrVc84WJRkQ",
    f"{BASE_URL}/c/not.a.token",
]


def test_something_that_is_not_our_code_is_malformed(world, parties, subtests):
    for raw in NOT_OUR_CODES:
        with subtests.test(raw=raw):
            verdict = world.verify(raw)
            assert (verdict["valid"], verdict["reason"], verdict["code"], verdict["visit_id"]) == (
                False, "malformed", None, None)
            assert verdict["message"] == "这不是入企服务码，请核对来源"


def test_tampered_token_is_bad_signature(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    other = world.code(agency, provider, enterprise, commission=commission)

    verdict = world.verify(_tamper(code["url"], other["id"]), enterprise.headers)

    assert (verdict["valid"], verdict["reason"], verdict["code"], verdict["visit_id"]) == (False, "bad_signature", None, None)
    assert verdict["message"] == "服务码被篡改或伪造，请拒绝入企并反映"


def test_token_signed_with_a_foreign_key_is_bad_signature(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    forged = sign_code_token(code["id"], keys=["someone-elses-key"])

    assert world.verify(forged, enterprise.headers)["reason"] == "bad_signature"


def test_well_signed_token_of_no_code_is_unknown_code(world, parties):
    verdict = world.verify(f"{BASE_URL}/c/{sign_code_token(987654)}")

    assert (verdict["valid"], verdict["reason"], verdict["code"]) == (False, "unknown_code", None)
    assert verdict["message"] == "查无此服务码"


def test_old_url_of_a_reissued_code_is_superseded(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    reissued = world.client.post(f"/api/v1/codes/{code['id']}/reissue", headers=provider.headers).get_json()

    old = world.verify(code["url"], enterprise.headers)
    new = world.verify(reissued["url"], enterprise.headers)

    assert (old["valid"], old["reason"], old["visit_id"]) == (False, "superseded", None)
    assert old["message"] == "此码已重新签发，请出示最新服务码"
    assert old["code"]["version"] == 2
    assert (new["reason"], new["code"]["version"]) == ("ok", 2)
    assert [(scan["reason"], scan["token_version"]) for scan in _scans(world)] == [("superseded", 1), ("ok", 2)]


def test_token_claiming_a_version_never_issued_is_bad_signature(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    assert world.verify(sign_code_token(code["id"], version=5), enterprise.headers)["reason"] == "bad_signature"


def test_pending_code_is_pending_approval(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission, approve=False)

    verdict = world.verify(sign_code_token(code["id"]), enterprise.headers)

    assert (verdict["valid"], verdict["reason"], verdict["visit_id"]) == (False, "pending_approval", None)
    assert verdict["message"] == "服务码尚未经委托单位审核通过"


def test_rejected_code_is_rejected(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission, approve=False)
    world.client.post(f"/api/v1/codes/{code['id']}/reject", json={"reason": "资料不全"}, headers=agency.headers)

    verdict = world.verify(sign_code_token(code["id"]), enterprise.headers)

    assert (verdict["valid"], verdict["reason"]) == (False, "rejected")
    assert verdict["message"] == "服务码尚未经委托单位审核通过"


def test_code_of_an_exited_provider_is_provider_exited(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    world.set_standing(agency, provider, "exited")

    verdict = world.verify(code["url"], enterprise.headers)

    assert (verdict["valid"], verdict["reason"], verdict["visit_id"]) == (False, "provider_exited", None)
    assert verdict["message"] == "该机构已被委托单位清退，不得入企"


def test_approved_code_keeps_working_while_the_provider_is_not_exited(world, parties, subtests):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    for state in ("warned", "suspended", "reinstated"):
        with subtests.test(state=state):
            world.set_standing(agency, provider, state)
            assert world.verify(code["url"], enterprise.headers)["reason"] == "ok"


def test_exit_under_another_agency_does_not_touch_this_code(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    world.set_standing(world.agency("海宁市生态环境分局", "0573-87022345"), provider, "exited")

    assert world.verify(code["url"], enterprise.headers)["reason"] == "ok"


def test_revoked_code_is_revoked(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    world.client.post(f"/api/v1/codes/{code['id']}/revoke", json={"reason": "企业申请取消"}, headers=agency.headers)

    verdict = world.verify(code["url"], enterprise.headers)

    assert (verdict["valid"], verdict["reason"], verdict["visit_id"]) == (False, "revoked", None)
    assert verdict["message"] == "该服务码已被委托单位撤销"


def test_before_its_window_the_code_is_not_yet_valid(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission,
                      valid_from=date(2026, 12, 10), valid_until=date(2026, 12, 20))

    verdict = world.verify(code["url"], enterprise.headers)

    assert (verdict["valid"], verdict["reason"], verdict["visit_id"]) == (False, "not_yet_valid", None)
    assert verdict["message"] == "不在有效期内（有效期：2026-12-10 至 2026-12-20）"
    assert verdict["message_en"] == "Outside its validity period (2026-12-10 至 2026-12-20)"


def test_after_its_last_day_the_code_is_expired(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    set_clock_shanghai(2027, 1, 2, 9)

    verdict = world.verify(code["url"])

    assert (verdict["valid"], verdict["reason"]) == (False, "expired")
    assert verdict["message"] == WINDOW_MESSAGE


WINDOW_MOMENTS = [
    ((2026, 12, 9, 23, 50), "not_yet_valid"),
    ((2026, 12, 9, 23, 57), "ok"),        # within the 5-minute tolerance for phone clocks
    ((2026, 12, 10, 0, 0), "ok"),
    ((2026, 12, 20, 23, 59), "ok"),       # valid_until includes that whole day in Asia/Shanghai
    ((2026, 12, 21, 0, 4), "ok"),
    ((2026, 12, 21, 0, 6), "expired"),
]


def test_validity_window_is_judged_in_shanghai_days_with_a_small_tolerance(world, parties, subtests):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission,
                      valid_from=date(2026, 12, 10), valid_until=date(2026, 12, 20))

    for moment, reason in WINDOW_MOMENTS:
        with subtests.test(moment=moment):
            set_clock_shanghai(*moment)
            assert world.verify(code["url"])["reason"] == reason


def test_dynamic_code_works_for_sixty_seconds_then_is_dynamic_expired(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    dynamic = world.client.get(f"/api/v1/codes/{code['id']}/dynamic", headers=provider.headers).get_json()

    move_clock(seconds=30)
    fresh = world.verify(dynamic["url"], enterprise.headers)
    move_clock(seconds=31)
    stale = world.verify(dynamic["url"], enterprise.headers)
    static = world.verify(code["url"], enterprise.headers)

    assert (fresh["valid"], fresh["reason"]) == (True, "ok")
    assert (stale["valid"], stale["reason"], stale["visit_id"]) == (False, "dynamic_expired", None)
    assert stale["message"] == "动态码已过期，请对方刷新后重新出示"
    assert static["reason"] == "ok"
    assert static["visit_id"] == fresh["visit_id"]
    assert [(scan["reason"], scan["dynamic"]) for scan in _scans(world)] == [
        ("ok", True), ("dynamic_expired", True), ("ok", False)]


def test_scope_item_outside_the_code_is_out_of_scope(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    outside = world.verify(code["url"], enterprise.headers, scope_item="应急预案编制指导")
    inside = world.verify(code["url"], enterprise.headers, scope_item="安全培训")

    assert (outside["valid"], outside["reason"], outside["visit_id"]) == (False, "out_of_scope", None)
    assert outside["message"] == "该事项不在服务范围内（范围：安全隐患排查、安全培训）"
    assert (inside["reason"], inside["valid"]) == ("ok", True)
    assert isinstance(inside["visit_id"], int)
    assert [scan["scope_item"] for scan in _scans(world)] == ["应急预案编制指导", "安全培训"]


# ---- the order when several reasons apply ---------------------------------------------------

def _revoke(world, agency, code):
    response = world.client.post(f"/api/v1/codes/{code['id']}/revoke", json={"reason": "撤销"}, headers=agency.headers)
    assert response.status_code == 200


def test_revoked_and_expired_says_revoked(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    _revoke(world, agency, code)
    set_clock_shanghai(2027, 2, 1)

    assert world.verify(code["url"])["reason"] == "revoked"


def test_exited_providers_revoked_code_says_provider_exited(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    _revoke(world, agency, code)
    world.set_standing(agency, provider, "exited")

    assert world.verify(code["url"], enterprise.headers)["reason"] == "provider_exited"
    set_clock_shanghai(2027, 2, 1)
    assert world.verify(code["url"])["reason"] == "provider_exited"


def test_superseded_comes_before_revoked_and_exited(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    world.client.post(f"/api/v1/codes/{code['id']}/reissue", headers=provider.headers)
    _revoke(world, agency, code)
    world.set_standing(agency, provider, "exited")

    assert world.verify(code["url"], enterprise.headers)["reason"] == "superseded"


def test_never_approved_comes_before_provider_exited(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission, approve=False)
    world.set_standing(agency, provider, "exited")

    assert world.verify(sign_code_token(code["id"]), enterprise.headers)["reason"] == "pending_approval"


def test_bad_signature_comes_before_unknown_code(world, parties):
    assert world.verify(sign_code_token(987654, keys=["someone-elses-key"]))["reason"] == "bad_signature"


def test_revoked_comes_before_wrong_enterprise_and_out_of_scope(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    _revoke(world, agency, code)
    neighbour = world.enterprise("海宁市金潮化纤有限公司")

    assert world.verify(code["url"], neighbour.headers, scope_item="噪声监测")["reason"] == "revoked"


def test_window_comes_before_dynamic_age_and_enterprise(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission,
                      valid_from=date(2026, 12, 3), valid_until=date(2026, 12, 3))
    dynamic = world.client.get(f"/api/v1/codes/{code['id']}/dynamic", headers=provider.headers).get_json()
    neighbour = world.enterprise("海宁市金潮化纤有限公司")
    set_clock_shanghai(2026, 12, 4, 9)
    world.sign_in_again(neighbour)

    assert world.verify(dynamic["url"], neighbour.headers)["reason"] == "expired"


def test_dynamic_age_comes_before_wrong_enterprise(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    dynamic = world.client.get(f"/api/v1/codes/{code['id']}/dynamic", headers=provider.headers).get_json()
    neighbour = world.enterprise("海宁市金潮化纤有限公司")
    move_clock(minutes=5)

    assert world.verify(dynamic["url"], neighbour.headers, scope_item="噪声监测")["reason"] == "dynamic_expired"


def test_wrong_enterprise_comes_before_out_of_scope(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    neighbour = world.enterprise("海宁市金潮化纤有限公司")

    assert world.verify(code["url"], neighbour.headers, scope_item="噪声监测")["reason"] == "wrong_enterprise"


def test_not_yet_valid_comes_before_out_of_scope(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission,
                      valid_from=date(2026, 12, 10), valid_until=date(2026, 12, 20))

    assert world.verify(code["url"], enterprise.headers, scope_item="噪声监测")["reason"] == "not_yet_valid"


# ---- the scan record ------------------------------------------------------------------------

def test_every_scan_is_recorded_valid_or_not_with_the_raw_input_truncated(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    neighbour = world.enterprise("海宁市金潮化纤有限公司")
    garbage = "扫" + "x" * 999
    huge = f"{BASE_URL}/c/" + "A" * 5000

    world.verify(code["url"], enterprise.headers)
    world.verify(code["url"], neighbour.headers)
    world.verify(garbage, neighbour.headers)
    world.verify(huge)
    world.verify(f"{BASE_URL}/c/{sign_code_token(987654)}")

    scans = _scans(world)
    assert [(scan["reason"], scan["valid"], scan["code_id"], scan["scanner_org_id"]) for scan in scans] == [
        ("ok", True, code["id"], enterprise.id),
        ("wrong_enterprise", False, code["id"], neighbour.id),
        ("malformed", False, None, neighbour.id),
        ("malformed", False, None, None),
        ("unknown_code", False, None, None),
    ]
    assert scans[2]["raw_input"] == garbage[:RAW_INPUT_LIMIT]
    assert len(scans[2]["raw_input"]) == RAW_INPUT_LIMIT == 300
    assert scans[3]["raw_input"] == huge[:300]
    assert scans[4]["token_version"] == 1


def test_request_without_a_token_or_not_json_is_a_4xx_and_records_nothing(world, parties):
    before = world.snapshot()

    assert_error(world.client.post("/api/v1/verifications", json={}), 422, {"token"})
    assert_error(world.client.post("/api/v1/verifications", json={"token": None}), 422, {"token"})
    assert_error(world.client.post("/api/v1/verifications", json={"token": ""}), 422, {"token"})
    assert_error(world.client.post("/api/v1/verifications", json=["token"]), 422, {"_schema"})
    assert_error(world.client.post("/api/v1/verifications", json={"scope_item": "安全培训"}), 422, {"token"})
    assert_error(world.client.post("/api/v1/verifications"), 422, {"token"})
    assert_error(world.client.post("/api/v1/verifications", data="https://fwm.hnzwfw.gov.cn/c/abc",
                                   content_type="text/plain"), 400)
    assert_error(world.client.post("/api/v1/verifications", data='{"token": ', content_type="application/json"), 400)
    assert world.snapshot() == before


# ---- key rotation ---------------------------------------------------------------------------

def test_codes_survive_key_rotation_and_new_urls_use_the_newest_key(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    before_rotation = make_app(url, SECRET_KEYS=["county-key-2025"])
    after_rotation = make_app(url, SECRET_KEYS=["county-key-2025", "county-key-2026"])
    retired = make_app(url, SECRET_KEYS=["county-key-2026"])
    try:
        world = World(before_rotation, before_rotation.test_client())
        agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
        old_url = world.code(agency, provider, enterprise)["url"]
        code_id = signing.read_code(["county-key-2025"], token_of(old_url)).code_id

        world.client = after_rotation.test_client()
        old_verdict = world.verify(old_url, enterprise.headers)
        new_url = world.client.get(f"/api/v1/codes/{code_id}", headers=provider.headers).get_json()["url"]
        new_verdict = world.verify(new_url, enterprise.headers)
        world.client = retired.test_client()
        after_retirement = world.verify(old_url)
    finally:
        for each in (before_rotation, after_rotation, retired):
            with each.app_context():
                db.session.remove()
                db.engine.dispose()

    assert (old_verdict["valid"], old_verdict["reason"]) == (True, "ok")
    assert new_url != old_url
    assert URLSafeTimedSerializer("county-key-2026", salt=signing.CODE_SALT).loads(token_of(new_url))[0] == code_id
    with pytest.raises(BadSignature):
        URLSafeTimedSerializer("county-key-2025", salt=signing.CODE_SALT).loads(token_of(new_url))
    assert (new_verdict["reason"], new_verdict["visit_id"]) == ("ok", old_verdict["visit_id"])
    assert after_retirement["reason"] == "bad_signature"


def test_a_token_carrying_a_nul_character_is_malformed_and_recorded(app, world):
    response = world.client.post("/api/v1/verifications", json={"token": "WzEsMSwx\u0000XQ.axDNIA.garbage"})

    assert response.status_code == 200 and response.get_json()["reason"] == "malformed"
    with app.app_context():
        scan = db.session.scalar(select(Scan).order_by(Scan.id.desc()))
        assert (scan.reason, scan.raw_input) == ("malformed", "WzEsMSwx\ufffdXQ.axDNIA.garbage")


def test_whatever_a_scanner_posts_beside_a_token_gets_a_verdict(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    def verdict(body):
        response = world.client.post("/api/v1/verifications", json=body)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["reason"]

    # API.md: only a body that is not JSON or lacks the token is a 4xx.
    assert verdict({"token": 12345}) == "malformed"
    assert verdict({"token": ["a", "b"]}) == "malformed"
    assert verdict({"token": code["url"], "client": "浙里办", "version": 3}) == "ok"
    assert verdict({"token": code["url"], "scope_item": "项" * 5000}) == "out_of_scope"
    assert verdict({"token": code["url"], "scope_item": 7}) == "out_of_scope"
    assert verdict({"token": code["url"], "scope_item": " \u200b "}) == "ok"
    with world.app.app_context():
        kept = db.session.scalars(select(Scan.scope_item).order_by(Scan.id)).all()
    assert kept == [None, None, None, "项" * 100, "7", None]


def test_a_verdict_never_carries_the_human_code(world, parties):
    # Typed in, the human code verifies like a scan: whoever holds it can open visits. It is on
    # the provider's card, never in an answer to a scanner (the code's enterprise included).
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    for headers in (enterprise.headers, world.enterprise("海宁市另一家企业有限公司").headers, None):
        verdict = world.verify(code["url"], headers)
        assert verdict["code"] is not None and "human_code" not in verdict["code"]
        assert code["human_code"] not in json.dumps(verdict, ensure_ascii=False)


@pytest.mark.parametrize("path, body", [
    ("/api/v1/verifications", '{"token": "\\ud800"}'),
    ("/api/v1/verifications", '{"token": "https://fwm.hnzwfw.gov.cn/c/abc\\ud83d"}'),
    ("/api/v1/auth/token", '{"username": "\\ud800", "password": "x"}'),
    ("/api/v1/auth/token", '{"username": "admin", "password": "\\udfff"}'),
])
def test_a_lone_surrogate_escape_is_a_400_not_a_500(world, path, body):
    before = world.snapshot()

    response = world.client.post(path, data=body, content_type="application/json")

    assert assert_error(response, 400)["message"].startswith("请求体含有无效的 Unicode 转义")
    assert world.snapshot() == before


def test_a_surrogate_pair_escape_is_an_ordinary_character(world, parties):
    # json.dumps writes 😀 as the escape pair \\ud83d\\ude00: one character, a scope item like any other.
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    response = world.client.post("/api/v1/verifications", content_type="application/json",
                                 data=json.dumps({"token": code["url"], "scope_item": "😀"}))

    assert (response.status_code, response.get_json()["reason"]) == (200, "out_of_scope")
