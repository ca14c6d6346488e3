"""/api/v1/codes: apply, read, approve, reject, revoke, reissue, QR images and dynamic codes."""
from datetime import date

import pytest
from itsdangerous import URLSafeTimedSerializer

from server.domain.qr import fingerprint
from server.domain import signing
from server.domain.human_code import normalise_human_code
from server.domain.qr import qr_version
from server.models import ServiceCode
from tests.conftest import BASE_URL, KEYS, move_clock, set_clock_shanghai
from tests.factories import assert_error, decode_qr, rasterise_qr_svg, token_of


@pytest.fixture
def parties(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    commission = world.commission(agency, provider)
    return agency, provider, enterprise, commission


def _post(client, path, headers, json=None):
    if json is None:
        return client.post(path, headers=headers)
    return client.post(path, json=json, headers=headers)


# ---- applying -------------------------------------------------------------------------------

def test_provider_applies_and_the_code_waits_pending(world, parties):
    agency, provider, enterprise, commission = parties

    response = world.apply(provider, commission, enterprise)

    assert response.status_code == 201
    code = response.get_json()
    assert normalise_human_code(code.pop("human_code")) is not None
    staff = code.pop("staff")
    assert code == {
        "id": code["id"], "status": "pending", "version": 1, "commission_id": commission["id"],
        "category": "安全生产咨询",
        "provider": {"uscc": provider.uscc, "name": "浙江安远安全技术咨询有限公司"},
        "enterprise": {"uscc": enterprise.uscc, "name": "海宁兴隆恒远皮革有限公司"},
        "agency": {"name": "海宁市应急管理局", "complaint_phone": "0573-87011234"},
        "scope_items": ["安全隐患排查", "安全培训"], "valid_from": "2026-12-01", "valid_until": "2026-12-31",
        "purpose": "年度安全隐患排查服务", "applied_at": "2026-12-03T10:00:00+08:00",
        "approved_at": None, "decision_reason": None, "url": None, "qr_png": None, "qr_svg": None,
    }
    assert staff == [
        {"id": provider.staff_ids[0], "name": "杨明超", "phone": "19556796249", "title": "安全评价师"},
        {"id": provider.staff_ids[1], "name": "罗芳", "phone": "13695112541", "title": "工程师"},
    ]
    assert world.count(ServiceCode) == 1


def _apply_body(provider, commission, enterprise, **changes):
    body = {"commission_id": commission["id"], "enterprise_uscc": enterprise.uscc,
            "scope_items": ["安全隐患排查", "安全培训"], "valid_from": "2026-12-01", "valid_until": "2026-12-31",
            "staff_ids": list(provider.staff_ids), "purpose": "年度安全隐患排查服务"}
    body.update(changes)
    return body


APPLICATION_RULES = [
    ({"scope_items": ["安全隐患排查", "消防设施检测"]}, {"scope_items"}),
    ({"scope_items": ["安全隐患排查", "安全隐患排查"]}, {"scope_items"}),
    ({"scope_items": []}, {"scope_items"}),
    ({"valid_until": "2027-11-30"}, {"valid_until"}),
    ({"valid_from": "2026-10-01"}, {"valid_from"}),
    ({"valid_from": "2026-12-20", "valid_until": "2026-12-10"}, {"valid_until"}),
    ({"valid_from": "2026-11-01", "valid_until": "2026-11-30"}, {"valid_until"}),
    ({"valid_from": "2026-02-30"}, {"valid_from"}),
    ({"valid_until": "31/12/2026"}, {"valid_until"}),
    # Python's date parser reads these too; the contract is YYYY-MM-DD.
    ({"valid_from": "20261205"}, {"valid_from"}),
    ({"valid_from": "2026-W50-1"}, {"valid_from"}),
    ({"valid_until": "2026-12-31T00:00:00"}, {"valid_until"}),
    ({"valid_until": 20261231}, {"valid_until"}),
    ({"enterprise_uscc": "91330481MA2BXXXXX1"}, {"enterprise_uscc"}),
    ({"enterprise_uscc": "9133048100000000"}, {"enterprise_uscc"}),
    ({"staff_ids": []}, {"staff_ids"}),
    ({"staff_ids": ["1"]}, {"staff_ids"}),
    ({"commission_id": "1"}, {"commission_id"}),
    ({"commission_id": 999999}, {"commission_id"}),
    ({"purpose": "   "}, {"purpose"}),
    ({"purpose": ""}, {"purpose"}),
    ({"unexpected": 1}, {"unexpected"}),
]


def test_application_breaking_a_rule_is_422_and_stores_nothing(world, parties, subtests):
    agency, provider, enterprise, commission = parties
    before = world.snapshot()

    for changes, fields in APPLICATION_RULES:
        with subtests.test(changes=changes):
            response = world.client.post("/api/v1/codes", headers=provider.headers,
                                         json=_apply_body(provider, commission, enterprise, **changes))
            assert_error(response, 422, fields)
            assert world.snapshot() == before


def test_application_missing_fields_names_each_one(world, parties):
    _, provider, _, _ = parties
    before = world.snapshot()

    response = world.client.post("/api/v1/codes", headers=provider.headers, json={})

    body = assert_error(response, 422, {"commission_id", "enterprise_uscc", "scope_items", "valid_from",
                                        "valid_until", "staff_ids", "purpose"})
    assert body["errors"]["purpose"] == ["必填"]
    assert world.snapshot() == before


def test_application_with_staff_of_another_provider_is_422(world, parties):
    agency, provider, enterprise, commission = parties
    rival = world.provider("海宁市消防技术服务有限公司", staff=(("周强", "13905730001", "检测员"),))
    before = world.snapshot()

    response = world.apply(provider, commission, enterprise, staff_ids=[provider.staff_ids[0], rival.staff_ids[0]])

    body = assert_error(response, 422, {"staff_ids"})
    assert body["errors"]["staff_ids"] == [f"不是本机构在册人员：{rival.staff_ids[0]}"]
    assert world.snapshot() == before


def test_application_under_someone_elses_commission_is_422(world, parties):
    agency, provider, enterprise, commission = parties
    rival = world.provider("海宁市消防技术服务有限公司", staff=(("周强", "13905730001", "检测员"),))
    before = world.snapshot()

    response = world.apply(rival, commission, enterprise)

    assert_error(response, 422, {"commission_id"})
    assert world.snapshot() == before


def test_application_for_an_enterprise_not_on_the_commission_list_is_422(world, parties):
    agency, provider, enterprise, _ = parties
    listed = world.enterprise("海宁市金潮化纤有限公司")
    commission = world.commission(agency, provider, enterprises=[listed])
    before = world.snapshot()

    response = world.apply(provider, commission, enterprise)

    body = assert_error(response, 422, {"enterprise_uscc"})
    assert body["errors"]["enterprise_uscc"] == ["该企业不在委托项目的服务对象名单中"]
    assert world.snapshot() == before
    assert world.apply(provider, commission, listed).status_code == 201


def test_application_naming_every_broken_rule_at_once(world, parties):
    agency, provider, enterprise, commission = parties
    rival = world.provider("海宁市消防技术服务有限公司", staff=(("周强", "13905730001", "检测员"),))

    response = world.client.post("/api/v1/codes", headers=provider.headers, json=_apply_body(
        provider, commission, enterprise, scope_items=["噪声监测"], valid_from="2026-12-20",
        valid_until="2027-12-10", staff_ids=rival.staff_ids))

    assert_error(response, 422, {"scope_items", "valid_until", "staff_ids"})


def test_only_providers_apply(world, parties, subtests):
    agency, provider, enterprise, commission = parties
    before = world.snapshot()

    for role, headers in (("agency", agency.headers), ("enterprise", enterprise.headers), ("admin", world.admin)):
        with subtests.test(role=role):
            response = world.client.post("/api/v1/codes", headers=headers,
                                         json=_apply_body(provider, commission, enterprise))
            assert_error(response, 403)
            assert world.snapshot() == before


def test_application_without_sign_in_is_401(world, parties):
    agency, provider, enterprise, commission = parties
    before = world.snapshot()

    response = world.client.post("/api/v1/codes", json=_apply_body(provider, commission, enterprise))

    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert world.snapshot() == before


def test_suspended_or_exited_provider_cannot_apply(world, parties, subtests):
    agency, provider, enterprise, commission = parties

    for state in ("suspended", "exited"):
        with subtests.test(state=state):
            world.set_standing(agency, provider, state)
            before = world.snapshot()
            assert_error(world.apply(provider, commission, enterprise), 409)
            assert world.snapshot() == before


def test_warned_provider_still_applies(world, parties):
    agency, provider, enterprise, commission = parties
    world.set_standing(agency, provider, "warned")

    assert world.apply(provider, commission, enterprise).status_code == 201


def test_suspension_under_one_agency_does_not_block_another(world, parties):
    agency, provider, enterprise, _ = parties
    other = world.agency("海宁市生态环境分局", "0573-87022345")
    world.set_standing(other, provider, "suspended")

    assert world.apply(provider, world.commission(agency, provider), enterprise).status_code == 201


def test_non_json_application_is_400_and_stores_nothing(world, parties):
    _, provider, _, _ = parties
    before = world.snapshot()

    response = world.client.post("/api/v1/codes", data="commission_id=1", headers={
        **provider.headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert_error(response, 400)
    response = world.client.post("/api/v1/codes", data="{not json", headers={
        **provider.headers, "Content-Type": "application/json"})
    assert_error(response, 400)
    assert world.snapshot() == before


# ---- reading --------------------------------------------------------------------------------

def test_code_is_visible_to_its_provider_enterprise_agency_and_admin(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    for headers in (provider.headers, agency.headers, world.admin):
        response = world.client.get(f"/api/v1/codes/{code['id']}", headers=headers)
        assert response.status_code == 200
        assert response.get_json() == code
    # The enterprise sees who may come and why, but not the URL behind the QR nor the human code
    # under it: holding either, it could open visits with no provider at its door (and rate them).
    seen = world.client.get(f"/api/v1/codes/{code['id']}", headers=enterprise.headers).get_json()
    assert code["url"] and code["qr_png"] and code["qr_svg"]
    hidden = ("url", "qr_png", "qr_svg", "human_code")
    assert [seen[key] for key in hidden] == [None] * 4 and code["human_code"]
    assert {key: value for key, value in seen.items() if key not in hidden} == {
        key: value for key, value in code.items() if key not in hidden}
    listed = world.client.get("/api/v1/codes", headers=enterprise.headers).get_json()
    assert [(item["id"], item["url"]) for item in listed] == [(code["id"], None)]


def test_code_of_another_organisation_is_404(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    strangers = [world.agency("海宁市市场监督管理局", "0573-87033456"),
                 world.provider("海宁市消防技术服务有限公司", staff=()),
                 world.enterprise("海宁市金潮化纤有限公司")]

    for stranger in strangers:
        assert_error(world.client.get(f"/api/v1/codes/{code['id']}", headers=stranger.headers), 404)
    assert_error(world.client.get("/api/v1/codes/999999", headers=provider.headers), 404)


def test_code_list_is_scoped_to_the_organisation(world, parties):
    agency, provider, enterprise, commission = parties
    mine = world.code(agency, provider, enterprise, commission=commission, approve=False)
    rival = world.provider("海宁市消防技术服务有限公司")
    world.code(agency, rival, enterprise)
    other_enterprise = world.enterprise("海宁市金潮化纤有限公司")
    theirs = world.code(agency, provider, other_enterprise, commission=commission)

    provider_ids = [code["id"] for code in world.client.get("/api/v1/codes", headers=provider.headers).get_json()]
    pending_ids = [code["id"] for code in world.client.get("/api/v1/codes?status=pending",
                                                          headers=provider.headers).get_json()]
    enterprise_ids = [code["id"] for code in world.client.get("/api/v1/codes",
                                                             headers=other_enterprise.headers).get_json()]

    assert provider_ids == [theirs["id"], mine["id"]]
    assert pending_ids == [mine["id"]]
    assert enterprise_ids == [theirs["id"]]
    assert len(world.client.get("/api/v1/codes", headers=agency.headers).get_json()) == 3
    assert_error(world.client.get("/api/v1/codes?status=bogus", headers=provider.headers), 422, {"status"})


# ---- deciding -------------------------------------------------------------------------------

def test_agency_approves_a_pending_code_and_it_gets_its_url(world, parties):
    agency, provider, enterprise, commission = parties
    move_clock(minutes=30)
    pending = world.code(agency, provider, enterprise, commission=commission, approve=False)

    response = world.client.post(f"/api/v1/codes/{pending['id']}/approve", headers=agency.headers)

    assert response.status_code == 200
    code = response.get_json()
    assert code["status"] == "active"
    assert code["approved_at"] == "2026-12-03T10:30:00+08:00"
    assert code["url"].startswith(BASE_URL + "/c/")
    claim = signing.read_code(KEYS, token_of(code["url"]))
    assert (claim.code_id, claim.version, claim.dynamic) == (pending["id"], 1, False)
    # The whole of 2026-12-31 in Asia/Shanghai: until 2027-01-01 00:00 +08:00.
    assert claim.valid_until_ts == 1798732800


def test_code_url_is_the_same_on_every_read(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    move_clock(hours=5)

    again = world.client.get(f"/api/v1/codes/{code['id']}", headers=provider.headers).get_json()

    assert again["url"] == code["url"]


def test_approving_twice_is_409(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    before = world.snapshot()

    assert_error(world.client.post(f"/api/v1/codes/{code['id']}/approve", headers=agency.headers), 409)
    assert world.snapshot() == before


def test_revoking_a_pending_code_is_409(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission, approve=False)
    before = world.snapshot()

    response = world.client.post(f"/api/v1/codes/{code['id']}/revoke", json={"reason": "撤销"}, headers=agency.headers)

    assert_error(response, 409)
    assert world.snapshot() == before


WRONG_STATE_DECISIONS = [
    (("reject", {"reason": "资料不全"}), ("approve", None)),
    (("reject", {"reason": "资料不全"}), ("reject", {"reason": "再次驳回"})),
    (("reject", {"reason": "资料不全"}), ("revoke", {"reason": "撤销"})),
    (("approve", None), ("reject", {"reason": "驳回"})),
    (("revoke", {"reason": "企业申请取消"}), ("revoke", {"reason": "再撤一次"})),
    (("revoke", {"reason": "企业申请取消"}), ("approve", None)),
]


def test_decision_in_the_wrong_state_is_409(world, parties, subtests):
    agency, provider, enterprise, commission = parties

    for first, second in WRONG_STATE_DECISIONS:
        with subtests.test(first=first[0], then=second[0]):
            code = world.code(agency, provider, enterprise, commission=commission, approve=first[0] == "revoke")
            action, body = first
            assert _post(world.client, f"/api/v1/codes/{code['id']}/{action}", agency.headers, body).status_code == 200
            before = world.snapshot()
            action, body = second
            assert_error(_post(world.client, f"/api/v1/codes/{code['id']}/{action}", agency.headers, body), 409)
            assert world.snapshot() == before


def test_approving_a_code_whose_window_has_passed_is_409(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission, approve=False)
    set_clock_shanghai(2027, 1, 1, 9)
    world.sign_in_again(agency)

    assert_error(world.client.post(f"/api/v1/codes/{code['id']}/approve", headers=agency.headers), 409)
    assert world.client.get(f"/api/v1/codes/{code['id']}", headers=agency.headers).get_json()["status"] == "pending"


def test_approving_a_code_of_a_blocked_provider_is_409(world, parties, subtests):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission, approve=False)

    for state in ("suspended", "exited"):
        with subtests.test(state=state):
            world.set_standing(agency, provider, state)
            assert_error(world.client.post(f"/api/v1/codes/{code['id']}/approve", headers=agency.headers), 409)
            status = world.client.get(f"/api/v1/codes/{code['id']}", headers=agency.headers).get_json()["status"]
            assert status == "pending"


def test_agency_rejects_with_a_reason(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission, approve=False)

    response = world.client.post(f"/api/v1/codes/{code['id']}/reject", json={"reason": "  人员资质证书过期  "},
                                 headers=agency.headers)

    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["decision_reason"], body["url"]) == ("rejected", "人员资质证书过期", None)


def test_agency_revokes_an_active_code_and_its_url_disappears(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    response = world.client.post(f"/api/v1/codes/{code['id']}/revoke", json={"reason": "企业申请取消"},
                                 headers=agency.headers)

    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["decision_reason"], body["url"]) == ("revoked", "企业申请取消", None)


MISSING_REASONS = [
    ("reject", {}, {"reason"}),
    ("reject", {"reason": ""}, {"reason"}),
    ("reject", {"reason": "   "}, {"reason"}),
    ("reject", {"reason": "长" * 501}, {"reason"}),
    ("revoke", {}, {"reason"}),
    ("revoke", {"reason": "  "}, {"reason"}),
]


def test_decision_without_a_reason_is_422(world, parties, subtests):
    agency, provider, enterprise, commission = parties
    pending = world.code(agency, provider, enterprise, commission=commission, approve=False)
    active = world.code(agency, provider, enterprise, commission=commission)
    before = world.snapshot()

    for action, body, fields in MISSING_REASONS:
        with subtests.test(action=action, body=body):
            code = active if action == "revoke" else pending
            assert_error(world.client.post(f"/api/v1/codes/{code['id']}/{action}", json=body,
                                           headers=agency.headers), 422, fields)
            assert world.snapshot() == before


def test_only_the_commissioning_agency_decides(world, parties, subtests):
    agency, provider, enterprise, commission = parties
    pending = world.code(agency, provider, enterprise, commission=commission, approve=False)
    active = world.code(agency, provider, enterprise, commission=commission)
    other = world.agency("海宁市市场监督管理局", "0573-87033456")
    before = world.snapshot()

    for action in ("approve", "reject", "revoke"):
        with subtests.test(action=action):
            code = active if action == "revoke" else pending
            body = None if action == "approve" else {"reason": "理由"}
            path = f"/api/v1/codes/{code['id']}/{action}"
            assert_error(_post(world.client, path, other.headers, body), 404)
            assert_error(_post(world.client, path, provider.headers, body), 403)
            assert_error(_post(world.client, path, enterprise.headers, body), 403)
            assert_error(_post(world.client, path, {}, body), 401)
            assert_error(_post(world.client, f"/api/v1/codes/999999/{action}", agency.headers, body), 404)
            assert world.snapshot() == before


# ---- reissue --------------------------------------------------------------------------------

def test_provider_reissues_an_active_code_with_a_new_version_and_url(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    move_clock(hours=1)

    response = world.client.post(f"/api/v1/codes/{code['id']}/reissue", headers=provider.headers)

    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["version"]) == ("active", 2)
    assert body["url"] != code["url"]
    assert signing.read_code(KEYS, token_of(body["url"])).version == 2
    # The human code printed on the lost card beside the old QR goes with it.
    assert body["human_code"] != code["human_code"] and len(body["human_code"]) == 8


def test_reissue_is_for_the_own_active_code_only(world, parties):
    agency, provider, enterprise, commission = parties
    pending = world.code(agency, provider, enterprise, commission=commission, approve=False)
    active = world.code(agency, provider, enterprise, commission=commission)
    rival = world.provider("海宁市消防技术服务有限公司", staff=())
    before = world.snapshot()

    assert_error(world.client.post(f"/api/v1/codes/{pending['id']}/reissue", headers=provider.headers), 409)
    assert_error(world.client.post(f"/api/v1/codes/{active['id']}/reissue", headers=rival.headers), 404)
    assert_error(world.client.post(f"/api/v1/codes/{active['id']}/reissue", headers=agency.headers), 403)
    assert world.snapshot() == before


def test_a_code_whose_last_day_has_passed_is_not_reissued(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    set_clock_shanghai(2027, 1, 1, 9)
    world.sign_in_again(provider)
    before = world.snapshot()

    refused = world.client.post(f"/api/v1/codes/{code['id']}/reissue", headers=provider.headers)

    assert assert_error(refused, 409)["message"] == "只有生效中的服务码可以重新签发（当前：已过期）"
    assert world.snapshot() == before


# ---- QR images ------------------------------------------------------------------------------

def test_qr_png_decodes_to_the_code_url_at_version_6_or_lower(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    response = world.client.get(f"/api/v1/codes/{code['id']}/qr.png", headers=provider.headers)

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    decoded = decode_qr(response.data)
    assert [result.text for result in decoded] == [code["url"]]
    version = qr_version(code["url"])
    assert version <= 6
    assert decoded[0].extra["Version"] == str(version)
    assert decoded[0].ec_level == "M"


def test_qr_png_has_a_four_module_quiet_zone(world, parties):
    from io import BytesIO

    from PIL import Image

    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    image = Image.open(BytesIO(world.client.get(f"/api/v1/codes/{code['id']}/qr.png", headers=provider.headers).data))
    image = image.convert("L")
    modules = 17 + 4 * qr_version(code["url"])
    box = image.width // (modules + 8)

    assert image.size == ((modules + 8) * box, (modules + 8) * box)
    quiet = 4 * box
    border = [image.getpixel((x, y)) for x in range(image.width) for y in range(image.height)
              if x < quiet or y < quiet or x >= image.width - quiet or y >= image.height - quiet]
    assert set(border) == {255}
    # The finder pattern starts right after the quiet zone, in three corners.
    for x, y in ((quiet, quiet), (image.width - quiet - 1, quiet), (quiet, image.height - quiet - 1)):
        assert image.getpixel((x, y)) == 0


def test_qr_svg_is_served_and_decodes_too(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    response = world.client.get(f"/api/v1/codes/{code['id']}/qr.svg", headers=provider.headers)

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    size = 17 + 4 * qr_version(code["url"]) + 8
    assert f'viewBox="0 0 {size} {size}"'.encode() in response.data
    assert [result.text for result in decode_qr(rasterise_qr_svg(response.data))] == [code["url"]]


def test_qr_is_cached_with_an_etag(world, parties, subtests):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    for fmt in ("png", "svg"):
        with subtests.test(fmt=fmt):
            path = f"/api/v1/codes/{code['id']}/qr.{fmt}"
            first = world.client.get(path, headers=provider.headers)
            second = world.client.get(path, headers=agency.headers)
            cached = world.client.get(path, headers={**provider.headers, "If-None-Match": first.headers["ETag"]})
            stale = world.client.get(path, headers={**provider.headers, "If-None-Match": '"something-else"'})

            assert first.headers["ETag"] and first.headers["ETag"] == second.headers["ETag"]
            # The plain address serves the next version after a reissue: revalidate, don't keep.
            assert first.headers["Cache-Control"] == "private, no-cache"
            pinned = world.client.get(code[f"qr_{fmt}"], headers=provider.headers)
            assert code[f"qr_{fmt}"] == f"{path}?v={fingerprint(code['url'])}"
            assert pinned.headers["Cache-Control"] == "private, max-age=31536000, immutable"
            assert pinned.data == first.data
            assert second.data == first.data
            assert cached.status_code == 304
            assert cached.data == b""
            assert cached.headers["ETag"] == first.headers["ETag"]
            assert stale.status_code == 200 and stale.data == first.data


def test_png_and_svg_have_different_etags_and_a_reissue_changes_both(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    path = f"/api/v1/codes/{code['id']}/qr"
    png = world.client.get(path + ".png", headers=provider.headers)
    svg = world.client.get(path + ".svg", headers=provider.headers)

    reissued = world.client.post(f"/api/v1/codes/{code['id']}/reissue", headers=provider.headers).get_json()
    new_png = world.client.get(path + ".png", headers={**provider.headers, "If-None-Match": png.headers["ETag"]})

    assert png.headers["ETag"] != svg.headers["ETag"]
    assert new_png.status_code == 200
    assert new_png.headers["ETag"] != png.headers["ETag"]
    assert [result.text for result in decode_qr(new_png.data)] == [reissued["url"]]


def test_qr_of_a_code_that_is_not_active_is_409(world, parties):
    agency, provider, enterprise, commission = parties
    pending = world.code(agency, provider, enterprise, commission=commission, approve=False)
    revoked = world.code(agency, provider, enterprise, commission=commission)
    world.client.post(f"/api/v1/codes/{revoked['id']}/revoke", json={"reason": "撤销"}, headers=agency.headers)

    for code in (pending, revoked):
        for fmt in ("png", "svg"):
            assert_error(world.client.get(f"/api/v1/codes/{code['id']}/qr.{fmt}", headers=provider.headers), 409)


def test_qr_of_an_expired_code_is_409(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    set_clock_shanghai(2027, 1, 1, 8)
    world.sign_in_again(provider)

    assert_error(world.client.get(f"/api/v1/codes/{code['id']}/qr.png", headers=provider.headers), 409)
    assert world.client.get(f"/api/v1/codes/{code['id']}", headers=provider.headers).get_json()["status"] == "expired"


def test_qr_of_another_providers_code_is_404_and_enterprises_get_none(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    rival = world.provider("海宁市消防技术服务有限公司", staff=())

    assert_error(world.client.get(f"/api/v1/codes/{code['id']}/qr.png", headers=rival.headers), 404)
    assert_error(world.client.get(f"/api/v1/codes/{code['id']}/qr.png", headers=enterprise.headers), 403)
    assert_error(world.client.get(f"/api/v1/codes/{code['id']}/qr.png"), 401)
    assert_error(world.client.get("/api/v1/codes/999999/qr.png", headers=provider.headers), 404)


def test_qr_url_stays_within_version_6_for_large_ids_and_versions():
    end_ts = 1798732800
    token = signing.sign_code(KEYS, 10**9, 99, end_ts, 1796263200)

    assert qr_version(f"{BASE_URL}/c/{token}") <= 6


def test_the_url_is_signed_with_the_newest_key(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    newest = URLSafeTimedSerializer(KEYS[-1], salt=signing.CODE_SALT)
    assert newest.loads(token_of(code["url"])) == [code["id"], 1, 1798732800]


# ---- dynamic codes --------------------------------------------------------------------------

def test_dynamic_code_lives_sixty_seconds(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    response = world.client.get(f"/api/v1/codes/{code['id']}/dynamic", headers=provider.headers)

    assert response.status_code == 200
    body = response.get_json()
    assert body["expires_at"] == "2026-12-03T10:01:00+08:00"
    assert body["lifetime_seconds"] == 60
    assert body["url"].startswith(BASE_URL + "/c/") and body["url"] != code["url"]
    claim = signing.read_code(KEYS, token_of(body["url"]))
    assert (claim.code_id, claim.version, claim.dynamic) == (code["id"], 1, True)


def test_dynamic_code_only_for_the_own_active_code(world, parties):
    agency, provider, enterprise, commission = parties
    pending = world.code(agency, provider, enterprise, commission=commission, approve=False)
    active = world.code(agency, provider, enterprise, commission=commission)
    rival = world.provider("海宁市消防技术服务有限公司", staff=())

    assert_error(world.client.get(f"/api/v1/codes/{pending['id']}/dynamic", headers=provider.headers), 409)
    assert_error(world.client.get(f"/api/v1/codes/{active['id']}/dynamic", headers=rival.headers), 404)
    assert_error(world.client.get(f"/api/v1/codes/{active['id']}/dynamic", headers=agency.headers), 403)
    assert_error(world.client.get(f"/api/v1/codes/{active['id']}/dynamic"), 401)


def test_commission_dates_bound_the_window_exactly(world, parties):
    agency, provider, enterprise, _ = parties
    commission = world.commission(agency, provider, start=date(2026, 12, 1), end=date(2026, 12, 31))

    assert world.apply(provider, commission, enterprise, valid_from=date(2026, 12, 1),
                       valid_until=date(2026, 12, 31)).status_code == 201
    assert_error(world.apply(provider, commission, enterprise, valid_from=date(2026, 11, 30),
                             valid_until=date(2026, 12, 31)), 422, {"valid_from"})
    assert_error(world.apply(provider, commission, enterprise, valid_from=date(2026, 12, 1),
                             valid_until=date(2027, 1, 1)), 422, {"valid_until"})
