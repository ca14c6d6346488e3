"""/api/v1/providers: a provider's standing, and the agency's reinstatement after exit."""
import pytest

from server.models import ServiceCode
from tests.conftest import move_clock
from tests.factories import assert_error


@pytest.fixture
def parties(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    commission = world.commission(agency, provider)
    return agency, provider, enterprise, commission


def _exit_by_bad_reviews(world, agency, provider, enterprise, commission):
    """Three bad reviews through the API, each of a code of its own; returns the last code and the
    rating ids."""
    rating_ids = []
    for level, flags in ((2, []), (5, ["forced_sales"]), (1, ["no_show"])):
        code, _visit_id, rating = world.rated_visit(agency, provider, enterprise, level, flags, commission=commission)
        rating_ids.append(rating["id"])
    return code, rating_ids


def test_a_new_provider_is_in_good_standing(world, parties):
    _, provider, _, _ = parties

    response = world.client.get("/api/v1/providers/me/standing", headers=provider.headers)

    assert response.status_code == 200
    assert response.get_json() == {"standing": "good", "satisfaction_rate": None, "ratings": 0, "reasons": []}


def test_exit_is_explained_to_the_provider_and_the_agency_with_the_ratings(world, parties):
    agency, provider, enterprise, commission = parties
    _, rating_ids = _exit_by_bad_reviews(world, agency, provider, enterprise, commission)
    expected = {
        "standing": "exited", "ratings": 3, "satisfaction_rate": 1 / 3,
        "reasons": [{"agency_id": agency.id, "state": "exited", "rule": "bad_reviews",
                     "text": "90 天内差评 3 次（达到 3 次即退出）", "rating_ids": rating_ids}],
    }

    mine = world.client.get("/api/v1/providers/me/standing", headers=provider.headers)
    theirs = world.client.get(f"/api/v1/providers/{provider.uscc}/standing", headers=agency.headers)

    assert mine.get_json() == expected
    assert theirs.get_json() == expected


def test_exit_blocks_new_applications(world, parties):
    agency, provider, enterprise, commission = parties
    _exit_by_bad_reviews(world, agency, provider, enterprise, commission)
    before = world.snapshot()

    assert_error(world.apply(provider, commission, enterprise), 409)
    assert world.snapshot() == before


def test_reinstatement_needs_a_reason_and_keeps_exit_revocations(world, parties):
    agency, provider, enterprise, commission = parties
    code, _ = _exit_by_bad_reviews(world, agency, provider, enterprise, commission)
    move_clock(hours=1)

    response = world.client.post(f"/api/v1/providers/{provider.uscc}/reinstate", headers=agency.headers,
                                 json={"reason": "已完成整改，经回访企业确认"})

    assert response.status_code == 200
    body = response.get_json()
    assert body["standing"] == "reinstated"
    assert body["reasons"] == [{"agency_id": agency.id, "state": "reinstated", "rule": "reinstated",
                                "text": "已完成整改，经回访企业确认", "rating_ids": []}]
    revoked = world.client.get(f"/api/v1/codes/{code['id']}", headers=provider.headers).get_json()
    assert (revoked["status"], revoked["url"]) == ("revoked", None)
    assert world.verify(code["url"], enterprise.headers)["reason"] == "revoked"
    assert world.apply(provider, commission, enterprise).status_code == 201


def test_reinstatement_without_a_reason_is_422_and_changes_nothing(world, parties, subtests):
    agency, provider, enterprise, commission = parties
    _exit_by_bad_reviews(world, agency, provider, enterprise, commission)
    before = world.snapshot()

    for body in ({}, {"reason": ""}, {"reason": "   "}):
        with subtests.test(body=body):
            response = world.client.post(f"/api/v1/providers/{provider.uscc}/reinstate", headers=agency.headers,
                                         json=body)
            assert_error(response, 422, {"reason"})
            assert world.snapshot() == before
    assert world.client.get("/api/v1/providers/me/standing", headers=provider.headers).get_json()["standing"] == "exited"


def test_reinstating_a_provider_in_good_standing_is_409(world, parties):
    agency, provider, _, _ = parties
    before = world.snapshot()

    response = world.client.post(f"/api/v1/providers/{provider.uscc}/reinstate", headers=agency.headers,
                                 json={"reason": "无需恢复"})

    assert_error(response, 409)
    assert world.snapshot() == before


def test_another_agency_cannot_reinstate(world, parties):
    agency, provider, enterprise, commission = parties
    _exit_by_bad_reviews(world, agency, provider, enterprise, commission)
    other = world.agency("海宁市生态环境分局", "0573-87022345")
    before = world.snapshot()

    # An agency that never commissioned the provider: as if the provider did not exist for it.
    assert_error(world.client.post(f"/api/v1/providers/{provider.uscc}/reinstate", headers=other.headers,
                                   json={"reason": "越权恢复"}), 404)
    assert_error(world.client.post(f"/api/v1/providers/{provider.uscc}/reinstate", headers=provider.headers,
                                   json={"reason": "自己恢复"}), 403)
    assert_error(world.client.post(f"/api/v1/providers/{provider.uscc}/reinstate", json={"reason": "匿名"}), 401)
    assert world.snapshot() == before


def test_exit_revoked_the_providers_codes_under_the_agency(world, parties):
    agency, provider, enterprise, commission = parties
    pending = world.code(agency, provider, enterprise, commission=commission, approve=False)
    _exit_by_bad_reviews(world, agency, provider, enterprise, commission)

    assert world.client.get(f"/api/v1/codes/{pending['id']}", headers=provider.headers).get_json()["status"] == "revoked"
    assert world.client.get("/api/v1/codes?status=active", headers=provider.headers).get_json() == []
    # The pending code and the three rated ones, all revoked; none was deleted.
    assert len(world.client.get("/api/v1/codes?status=revoked", headers=provider.headers).get_json()) == 4
    assert world.count(ServiceCode) == 4


def test_standing_endpoints_are_role_guarded(world, parties):
    agency, provider, enterprise, _ = parties

    assert_error(world.client.get("/api/v1/providers/me/standing", headers=agency.headers), 403)
    assert_error(world.client.get("/api/v1/providers/me/standing", headers=enterprise.headers), 403)
    assert_error(world.client.get("/api/v1/providers/me/standing"), 401)
    assert_error(world.client.get(f"/api/v1/providers/{provider.uscc}/standing", headers=provider.headers), 403)


def test_an_agency_reads_the_standing_only_of_providers_it_commissioned(world, parties):
    agency, provider, enterprise, commission = parties
    _exit_by_bad_reviews(world, agency, provider, enterprise, commission)
    other = world.agency("海宁市生态环境分局", "0573-87022345")

    # As for reinstatement: to an agency that never commissioned it, the provider does not exist.
    assert_error(world.client.get(f"/api/v1/providers/{provider.uscc}/standing", headers=other.headers), 404)
    mine = world.client.get(f"/api/v1/providers/{provider.uscc}/standing", headers=agency.headers)
    assert (mine.status_code, mine.get_json()["standing"]) == (200, "exited")
