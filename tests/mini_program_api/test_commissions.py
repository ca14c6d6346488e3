"""/api/v1/commissions: an agency commissions a provider."""
import pytest

from server.models import Commission
from tests.factories import assert_error, make_uscc


@pytest.fixture
def parties(world):
    return world.agency(), world.provider(), world.enterprise()


def _body(provider, **changes):
    body = {"provider_uscc": provider.uscc, "category": "安全生产咨询", "scope_items": ["安全隐患排查", "安全培训"],
            "start_date": "2026-11-01", "end_date": "2027-10-31"}
    body.update(changes)
    return body


def test_agency_commissions_a_provider(world, parties):
    agency, provider, enterprise = parties

    response = world.client.post("/api/v1/commissions", headers=agency.headers,
                                 json=_body(provider, enterprise_usccs=[enterprise.uscc], visit_budget=12))

    assert response.status_code == 201
    body = response.get_json()
    assert body == {
        "id": body["id"], "agency": {"name": "海宁市应急管理局", "complaint_phone": "0573-87011234"},
        "provider": {"uscc": provider.uscc, "name": "浙江安远安全技术咨询有限公司"}, "category": "安全生产咨询",
        "scope_items": ["安全隐患排查", "安全培训"], "start_date": "2026-11-01", "end_date": "2027-10-31",
        "enterprise_usccs": [enterprise.uscc], "visit_budget": 12, "created_at": "2026-12-03T10:00:00+08:00",
    }
    listed = world.client.get("/api/v1/commissions", headers=provider.headers).get_json()
    assert [item["id"] for item in listed] == [body["id"]]


INVALID_COMMISSIONS = [
    ({"provider_uscc": "913304810000000028"}, {"provider_uscc"}),       # wrong check digit
    ({"provider_uscc": make_uscc("9", 999)}, {"provider_uscc"}),         # valid, unknown
    ({"category": "房屋装修"}, {"category"}),
    ({"scope_items": ["安全隐患排查", "消防设施检测"]}, {"scope_items"}),
    ({"scope_items": []}, {"scope_items"}),
    ({"start_date": "2027-11-01"}, {"end_date"}),
    ({"start_date": "2026-11-31"}, {"start_date"}),
    ({"end_date": None}, {"end_date"}),
    ({"enterprise_usccs": ["913304810000000999"]}, {"enterprise_usccs"}),
    ({"visit_budget": 0}, {"visit_budget"}),
]


def test_invalid_commission_is_422_and_stores_nothing(world, parties, subtests):
    agency, provider, _ = parties
    before = world.snapshot()

    for changes, fields in INVALID_COMMISSIONS:
        with subtests.test(changes=changes):
            response = world.client.post("/api/v1/commissions", headers=agency.headers,
                                         json=_body(provider, **changes))
            assert_error(response, 422, fields)
            assert world.snapshot() == before


def test_commissioning_an_enterprise_as_provider_is_422(world, parties):
    agency, _, enterprise = parties
    before = world.snapshot()

    response = world.client.post("/api/v1/commissions", headers=agency.headers,
                                 json=_body(enterprise))

    assert_error(response, 422, {"provider_uscc"})
    assert world.snapshot() == before


def test_only_agencies_commission(world, parties, subtests):
    agency, provider, enterprise = parties

    for role, headers in (("provider", provider.headers), ("enterprise", enterprise.headers), ("admin", world.admin)):
        with subtests.test(role=role):
            assert_error(world.client.post("/api/v1/commissions", headers=headers, json=_body(provider)), 403)
    assert_error(world.client.post("/api/v1/commissions", json=_body(provider)), 401)
    assert world.count(Commission) == 0


def test_commission_lists_are_scoped(world, parties):
    agency, provider, _ = parties
    mine = world.commission(agency, provider)
    other_agency = world.agency("海宁市生态环境分局", "0573-87022345")
    rival = world.provider("海宁市消防技术服务有限公司", staff=())
    theirs = world.commission(other_agency, rival)

    assert [item["id"] for item in world.client.get("/api/v1/commissions", headers=agency.headers).get_json()] == [mine["id"]]
    assert [item["id"] for item in world.client.get("/api/v1/commissions", headers=rival.headers).get_json()] == [theirs["id"]]
