"""/api/v1/scans/failed: failed scans of the agency's codes, a forged code counted under the
provider whose code it imitates, counts per provider, per enterprise and per reason."""
import pytest

from tests.conftest import move_clock
from tests.factories import assert_error


@pytest.fixture
def scene(world):
    agency, enterprise = world.agency(), world.enterprise()
    provider = world.provider()
    rival = world.provider(name="嘉兴正信检测技术有限公司")
    code = world.code(agency, provider, enterprise)
    rival_code = world.code(agency, rival, enterprise)
    return agency, provider, rival, enterprise, code, rival_code


def forged(url):
    """The real URL with the last character of its signature changed."""
    return url[:-1] + ("A" if url[-1] != "A" else "B")


def failed(world, org, query=""):
    headers = org if isinstance(org, dict) else org.headers
    response = world.client.get(f"/api/v1/scans/failed{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_forged_token_counts_under_the_provider_whose_code_it_imitates(world, scene):
    agency, provider, rival, enterprise, code, rival_code = scene
    other = world.enterprise(name="海宁安和海川光伏有限公司")
    assert world.verify(forged(code["url"]), enterprise.headers)["reason"] == "bad_signature"
    move_clock(minutes=5)
    assert world.verify(forged(code["url"]))["reason"] == "bad_signature"
    move_clock(minutes=5)
    assert world.verify(rival_code["url"], other.headers)["reason"] == "wrong_enterprise"
    assert world.verify(code["url"], enterprise.headers)["reason"] == "ok"  # valid: not listed

    body = failed(world, agency)

    assert (body["from"], body["to"], body["total"], body["forged"]) == ("2026-01-01", "2026-12-03", 3, 2)
    assert body["by_provider"] == [
        {"provider_uscc": provider.uscc, "name": "浙江安远安全技术咨询有限公司", "failed": 2, "forged": 2},
        {"provider_uscc": rival.uscc, "name": "嘉兴正信检测技术有限公司", "failed": 1, "forged": 0},
    ]
    assert body["by_enterprise"] == [
        {"name": "海宁兴隆恒远皮革有限公司", "kind": "enterprise", "failed": 1, "forged": 1},
        {"name": None, "kind": None, "failed": 1, "forged": 1},  # scanned without signing in
        {"name": "海宁安和海川光伏有限公司", "kind": "enterprise", "failed": 1, "forged": 0},
    ]
    assert body["by_reason"] == [{"reason": "bad_signature", "failed": 2}, {"reason": "wrong_enterprise", "failed": 1}]
    newest = body["scans"][0]
    assert {key: newest[key] for key in ("scanned_at", "reason", "forged", "code_id", "human_code", "provider",
                                         "scanner", "raw_input", "message")} == {
        "scanned_at": "2026-12-03T10:10:00+08:00", "reason": "wrong_enterprise", "forged": False,
        "code_id": rival_code["id"], "human_code": rival_code["human_code"],
        "provider": {"name": "嘉兴正信检测技术有限公司"},
        "scanner": {"name": "海宁安和海川光伏有限公司", "kind": "enterprise"},
        "raw_input": rival_code["url"], "message": "此码不是签发给贵企业的"}
    assert [(scan["reason"], scan["code_id"], scan["scanner"], scan["raw_input"]) for scan in body["scans"][1:]] == [
        ("bad_signature", code["id"], None, forged(code["url"])),
        ("bad_signature", code["id"], {"name": "海宁兴隆恒远皮革有限公司", "kind": "enterprise"}, forged(code["url"])),
    ]


def test_the_raw_input_is_kept_truncated(world, scene):
    agency, provider, rival, enterprise, code, rival_code = scene
    long_input = forged(code["url"]) + "?from=" + "x" * 500
    assert world.verify(long_input)["reason"] == "bad_signature"

    [scan] = failed(world, agency)["scans"]

    assert scan["raw_input"] == long_input[:300] and len(scan["raw_input"]) == 300


def test_other_agencies_see_none_of_it_and_the_admin_sees_everything(world, scene):
    agency, provider, rival, enterprise, code, rival_code = scene
    other_agency = world.agency(name="海宁市市场监督管理局")
    world.verify(forged(code["url"]), enterprise.headers)
    world.verify("https://example.com/not-ours", enterprise.headers)

    assert failed(world, other_agency)["total"] == 0
    assert failed(world, other_agency)["scans"] == []
    mine = failed(world, agency)
    assert [scan["reason"] for scan in mine["scans"]] == ["bad_signature"]
    everything = failed(world, world.admin)
    assert [scan["reason"] for scan in everything["scans"]] == ["malformed", "bad_signature"]
    assert everything["by_provider"] == [
        {"provider_uscc": provider.uscc, "name": "浙江安远安全技术咨询有限公司", "failed": 1, "forged": 1},
        {"provider_uscc": None, "name": None, "failed": 1, "forged": 0},
    ]


def test_the_period_filters_and_is_validated(world, scene):
    agency, provider, rival, enterprise, code, rival_code = scene
    world.verify(forged(code["url"]), enterprise.headers)

    assert failed(world, agency, "?from=2026-12-03&to=2026-12-03")["total"] == 1
    assert failed(world, agency, "?from=2026-12-04&to=2026-12-31")["total"] == 0
    assert failed(world, agency, "?from=2026-11-01&to=2026-12-02")["total"] == 0
    assert_error(world.client.get("/api/v1/scans/failed?from=2026-12-04&to=2026-12-01", headers=agency.headers),
                 422, {"to"})
    assert_error(world.client.get("/api/v1/scans/failed?from=yesterday", headers=agency.headers), 422, {"from"})


def test_only_agencies_and_the_admin_read_failed_scans(world, scene):
    agency, provider, rival, enterprise, code, rival_code = scene
    assert_error(world.client.get("/api/v1/scans/failed", headers=provider.headers), 403)
    assert_error(world.client.get("/api/v1/scans/failed", headers=enterprise.headers), 403)
    assert_error(world.client.get("/api/v1/scans/failed"), 401)
