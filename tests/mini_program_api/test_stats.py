"""GET /api/v1/stats/satisfaction: codes issued, ratings, 满意率 = (5+4+3) ÷ all, per provider."""
from datetime import date

import pytest

from tests.conftest import set_clock_shanghai
from tests.factories import assert_error

DECEMBER = "/api/v1/stats/satisfaction?from=2026-12-01&to=2026-12-31"
FORMULA = "满意率 =（非常满意 + 满意 + 基本满意）÷ 全部评价"


def _rate_visits(world, agency, provider, enterprise, levels):
    """One completed visit per level, each of a code of its own under one commission, each rated."""
    commission = world.commission(agency, provider)
    for level in levels:
        world.rated_visit(agency, provider, enterprise, level, commission=commission)


@pytest.fixture
def county(world):
    """Agency A with providers P1 (ratings 5,4,3,2,1) and P2 (5,5); agency B with P1 (rating 1);
    each rating of a code of its own."""
    agency_a = world.agency()
    agency_b = world.agency("海宁市生态环境分局", "0573-87022345")
    p1 = world.provider()
    p2 = world.provider("海宁市消防技术服务有限公司", staff=(("周强", "13905730001", "检测员"),))
    enterprise = world.enterprise()
    _rate_visits(world, agency_a, p1, enterprise, [5, 4, 3, 2, 1])
    _rate_visits(world, agency_a, p2, enterprise, [5, 5])
    _rate_visits(world, agency_b, p1, enterprise, [1])
    return agency_a, agency_b, p1, p2, enterprise


def test_satisfaction_over_a_known_set_of_ratings(world, county):
    agency_a, _, p1, p2, _ = county

    response = world.client.get(DECEMBER, headers=agency_a.headers)

    assert response.status_code == 200
    assert response.get_json() == {
        "from": "2026-12-01", "to": "2026-12-31", "codes_issued": 7, "ratings": 7, "satisfied": 5,
        "satisfaction_rate": 5 / 7, "formula": FORMULA,
        "by_provider": [
            {"provider_uscc": p1.uscc, "name": "浙江安远安全技术咨询有限公司", "codes_issued": 5, "ratings": 5,
             "satisfaction_rate": 3 / 5, "standing": "good"},
            {"provider_uscc": p2.uscc, "name": "海宁市消防技术服务有限公司", "codes_issued": 2, "ratings": 2,
             "satisfaction_rate": 1.0, "standing": "good"},
        ],
    }


def test_agency_sees_only_its_own_providers_and_ratings(world, county):
    _, agency_b, p1, _, _ = county

    body = world.client.get(DECEMBER, headers=agency_b.headers).get_json()

    assert (body["codes_issued"], body["ratings"], body["satisfied"], body["satisfaction_rate"]) == (1, 1, 0, 0.0)
    assert body["by_provider"] == [{"provider_uscc": p1.uscc, "name": "浙江安远安全技术咨询有限公司",
                                    "codes_issued": 1, "ratings": 1, "satisfaction_rate": 0.0, "standing": "good"}]


def test_admin_sees_every_agency(world, county):
    _, _, p1, p2, _ = county

    body = world.client.get(DECEMBER, headers=world.admin).get_json()

    assert (body["codes_issued"], body["ratings"], body["satisfied"], body["satisfaction_rate"]) == (8, 8, 5, 5 / 8)
    assert [(entry["provider_uscc"], entry["ratings"], entry["codes_issued"], entry["satisfaction_rate"])
            for entry in body["by_provider"]] == [(p1.uscc, 6, 6, 3 / 6), (p2.uscc, 2, 2, 1.0)]


def test_standing_is_shown_beside_each_provider(world, county):
    agency_a, agency_b, p1, p2, _ = county
    world.set_standing(agency_a, p2, "warned")
    world.set_standing(agency_b, p1, "suspended")

    by_a = {entry["provider_uscc"]: entry["standing"]
            for entry in world.client.get(DECEMBER, headers=agency_a.headers).get_json()["by_provider"]}
    by_admin = {entry["provider_uscc"]: entry["standing"]
                for entry in world.client.get(DECEMBER, headers=world.admin).get_json()["by_provider"]}

    assert by_a == {p1.uscc: "good", p2.uscc: "warned"}
    assert by_admin == {p1.uscc: "suspended", p2.uscc: "warned"}


def test_codes_issued_counts_codes_approved_in_the_period(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    commission = world.commission(agency, provider)

    # Approved at 23:30 on 30 November in Asia/Shanghai (15:30 UTC): a November code.
    set_clock_shanghai(2026, 11, 30, 23, 30)
    world.sign_in_again(agency, provider)
    world.code(agency, provider, enterprise, commission=commission, valid_from=date(2026, 12, 1))
    # Applied in November, approved on 1 December: a December code.
    applied_in_november = world.code(agency, provider, enterprise, commission=commission, approve=False)
    set_clock_shanghai(2026, 12, 1, 0, 10)
    world.client.post(f"/api/v1/codes/{applied_in_november['id']}/approve", headers=agency.headers)
    set_clock_shanghai(2026, 12, 3, 10)
    world.sign_in_again(agency, provider)
    world.code(agency, provider, enterprise, commission=commission)
    world.code(agency, provider, enterprise, commission=commission, approve=False)  # pending: not issued
    rejected = world.code(agency, provider, enterprise, commission=commission, approve=False)
    world.client.post(f"/api/v1/codes/{rejected['id']}/reject", json={"reason": "不需要"}, headers=agency.headers)

    def issued(period):
        return world.client.get(f"/api/v1/stats/satisfaction?{period}", headers=agency.headers).get_json()["codes_issued"]

    assert issued("from=2026-11-01&to=2026-11-30") == 1
    assert issued("from=2026-12-01&to=2026-12-31") == 2
    assert issued("from=2026-12-02&to=2026-12-03") == 1
    assert issued("from=2026-11-30&to=2026-12-01") == 2
    assert issued("from=2026-11-01&to=2026-12-31") == 3


def test_no_ratings_means_no_rate(world):
    agency = world.agency()

    body = world.client.get(DECEMBER, headers=agency.headers).get_json()

    assert body == {"from": "2026-12-01", "to": "2026-12-31", "codes_issued": 0, "ratings": 0, "satisfied": 0,
                    "satisfaction_rate": None, "formula": FORMULA, "by_provider": []}


def test_default_period_is_this_year_so_far(world):
    agency = world.agency()

    body = world.client.get("/api/v1/stats/satisfaction", headers=agency.headers).get_json()

    assert (body["from"], body["to"]) == ("2026-01-01", "2026-12-03")


def test_ratings_outside_the_period_are_not_counted(world, county):
    agency_a, _, _, _, _ = county

    body = world.client.get("/api/v1/stats/satisfaction?from=2026-11-01&to=2026-12-02",
                            headers=agency_a.headers).get_json()

    assert (body["ratings"], body["codes_issued"], body["satisfaction_rate"], body["by_provider"]) == (0, 0, None, [])


def test_bad_period_is_422(world, subtests):
    agency = world.agency()

    for query, fields in (("from=2026-13-01&to=2026-12-31", {"from"}), ("from=2026-12-01&to=yesterday", {"to"}),
                          ("from=2026-12-31&to=2026-12-01", {"to"})):
        with subtests.test(query=query):
            assert_error(world.client.get(f"/api/v1/stats/satisfaction?{query}", headers=agency.headers), 422, fields)


def test_providers_and_enterprises_see_no_statistics(world):
    assert_error(world.client.get(DECEMBER, headers=world.provider().headers), 403)
    assert_error(world.client.get(DECEMBER, headers=world.enterprise().headers), 403)
    assert_error(world.client.get(DECEMBER), 401)


@pytest.mark.parametrize("query, field", [
    ("from=0001-01-01&to=2026-12-31", "from"),
    ("from=2026-01-01&to=9999-12-31", "to"),
    ("from=2010-01-01&to=2026-12-31", "from"),
])
def test_satisfaction_refuses_periods_out_of_range_with_422(world, query, field):
    agency = world.agency()
    response = world.client.get(f"/api/v1/stats/satisfaction?{query}", headers=agency.headers)
    body = response.get_json()
    assert response.status_code == 422 and body["code"] == 422 and field in body["errors"]
