"""/api/v1/visits: completing, checking out, listing, and rating a visit."""
from datetime import timedelta

import pytest
from server import clock
from server.extensions import db
from server.models import Rating, Visit
from tests.conftest import move_clock, set_clock_shanghai
from tests.factories import assert_error


@pytest.fixture
def parties(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    return agency, provider, enterprise


@pytest.fixture
def open_visit(world, parties):
    agency, provider, enterprise = parties
    code, visit_id = world.visit(agency, provider, enterprise)
    return code, visit_id


@pytest.fixture
def done_visit(world, parties):
    agency, provider, enterprise = parties
    code, visit_id = world.completed_visit(agency, provider, enterprise)
    return code, visit_id


# ---- closing a visit ------------------------------------------------------------------------

def test_provider_completes_its_visit_with_a_summary(world, parties, open_visit):
    agency, provider, enterprise = parties
    code, visit_id = open_visit
    move_clock(minutes=90)

    response = world.client.post(f"/api/v1/visits/{visit_id}/complete", headers=provider.headers,
                                 json={"summary": "完成隐患排查，发现 2 处问题"})

    assert response.status_code == 200
    assert response.get_json() == {
        "id": visit_id, "code_id": code["id"], "status": "completed",
        "entered_at": "2026-12-03T10:00:00+08:00", "closed_at": "2026-12-03T11:30:00+08:00",
        "summary": "完成隐患排查，发现 2 处问题",
        "provider": {"uscc": provider.uscc, "name": provider.name},
        "enterprise": {"uscc": enterprise.uscc, "name": enterprise.name},
        "scope_items": ["安全隐患排查", "安全培训"],
    }
    provider_user_id = world.user_id(provider)
    with world.app.app_context():
        visit = db.session.get(Visit, visit_id)
        # The hosting time is exact to the second.
        assert clock.as_utc(visit.closed_at) - clock.as_utc(visit.entered_at) == timedelta(minutes=90)
        assert (visit.close_kind, visit.closed_by_id) == ("completed", provider_user_id)


def test_enterprise_checks_the_provider_out(world, parties, open_visit):
    agency, provider, enterprise = parties
    _, visit_id = open_visit
    move_clock(minutes=45)

    response = world.client.post(f"/api/v1/visits/{visit_id}/checkout", headers=enterprise.headers)

    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["closed_at"], body["summary"]) == ("checked_out", "2026-12-03T10:45:00+08:00", None)


def test_closing_a_visit_twice_is_409(world, parties, done_visit):
    agency, provider, enterprise = parties
    _, visit_id = done_visit
    before = world.snapshot()

    assert_error(world.client.post(f"/api/v1/visits/{visit_id}/complete", headers=provider.headers,
                                   json={"summary": "再次完成"}), 409)
    assert_error(world.client.post(f"/api/v1/visits/{visit_id}/checkout", headers=enterprise.headers), 409)
    assert world.snapshot() == before


def test_closing_someone_elses_visit_is_404_and_the_wrong_role_403(world, parties, open_visit):
    agency, provider, enterprise = parties
    _, visit_id = open_visit
    rival = world.provider("海宁市消防技术服务有限公司", staff=())
    neighbour = world.enterprise("海宁市金潮化纤有限公司")
    before = world.snapshot()

    assert_error(world.client.post(f"/api/v1/visits/{visit_id}/complete", headers=rival.headers,
                                   json={"summary": "冒领"}), 404)
    assert_error(world.client.post(f"/api/v1/visits/{visit_id}/checkout", headers=neighbour.headers), 404)
    assert_error(world.client.post(f"/api/v1/visits/{visit_id}/complete", headers=enterprise.headers,
                                   json={"summary": "企业代填"}), 403)
    assert_error(world.client.post(f"/api/v1/visits/{visit_id}/checkout", headers=provider.headers), 403)
    assert_error(world.client.post(f"/api/v1/visits/{visit_id}/complete", json={"summary": "匿名"}), 401)
    assert_error(world.client.post("/api/v1/visits/999999/complete", headers=provider.headers,
                                   json={"summary": "无此记录"}), 404)
    assert world.snapshot() == before


def test_completion_needs_a_summary(world, parties, open_visit, subtests):
    agency, provider, enterprise = parties
    _, visit_id = open_visit
    before = world.snapshot()

    for body in ({}, {"summary": ""}, {"summary": "   "}, {"summary": "长" * 2001}):
        with subtests.test(body=body):
            assert_error(world.client.post(f"/api/v1/visits/{visit_id}/complete", headers=provider.headers,
                                           json=body), 422, {"summary"})
            assert world.snapshot() == before


def test_visit_lists_are_scoped_and_the_provider_sees_no_ratings(world, parties, done_visit):
    agency, provider, enterprise = parties
    code, visit_id = done_visit
    assert world.rate(enterprise, visit_id, 4, comment="专业").status_code == 201
    neighbour = world.enterprise("海宁市金潮化纤有限公司")

    as_enterprise = world.client.get("/api/v1/visits", headers=enterprise.headers).get_json()
    as_provider = world.client.get("/api/v1/visits", headers=provider.headers).get_json()
    as_agency = world.client.get("/api/v1/visits", headers=agency.headers).get_json()
    as_neighbour = world.client.get("/api/v1/visits", headers=neighbour.headers).get_json()

    assert [visit["id"] for visit in as_enterprise] == [visit_id]
    assert as_enterprise[0]["rating"]["level"] == 4
    assert as_enterprise[0]["rating"]["comment"] == "专业"
    assert [visit["id"] for visit in as_provider] == [visit_id]
    assert "rating" not in as_provider[0]
    assert [visit["id"] for visit in as_agency] == [visit_id]
    assert as_neighbour == []
    assert_error(world.client.get("/api/v1/visits"), 401)


# ---- rating ---------------------------------------------------------------------------------

def test_enterprise_rates_its_completed_visit(world, parties, done_visit):
    agency, provider, enterprise = parties
    _, visit_id = done_visit
    move_clock(hours=3)

    response = world.rate(enterprise, visit_id, 5, comment="  讲解清楚，没有推销  ")

    assert response.status_code == 201
    rating = response.get_json()
    assert rating == {"id": rating["id"], "visit_id": visit_id, "level": 5, "flags": [],
                      "comment": "讲解清楚，没有推销", "rated_at": "2026-12-03T13:00:00+08:00", "bad_review": False}
    enterprise_user_id = world.user_id(enterprise)
    with world.app.app_context():
        stored = db.session.get(Rating, rating["id"])
        assert (stored.agency_id, stored.provider_id, stored.enterprise_id, stored.rated_by_id, stored.followup) == (
            agency.id, provider.id, enterprise.id, enterprise_user_id, False)


def test_a_bad_review_is_level_one_or_two_or_any_flag(world, parties, subtests):
    agency, provider, enterprise = parties
    code = world.code(agency, provider, enterprise)
    # Two bad reviews at most under one agency, so that the provider never exits midway.
    cases = [(5, [], False), (4, [], False), (3, [], False), (2, [], True), (1, [], True),
             (5, ["forced_sales"], True), (4, ["out_of_scope", "no_show"], True), (3, ["misconduct"], True)]

    for index, (level, flags, bad) in enumerate(cases):
        with subtests.test(level=level, flags=flags):
            if index and index % 2 == 0:
                agency = world.agency(f"委托单位{index}", "0573-87000000")
                code = world.code(agency, provider, enterprise)
            _, _visit_id, rating = world.rated_visit(agency, provider, enterprise, level, flags, code=code)
            assert (rating["bad_review"], rating["flags"]) == (bad, flags)


def test_a_checked_out_visit_can_be_rated(world, parties, open_visit):
    agency, provider, enterprise = parties
    _, visit_id = open_visit
    world.client.post(f"/api/v1/visits/{visit_id}/checkout", headers=enterprise.headers)

    assert world.rate(enterprise, visit_id, 4).status_code == 201


def test_second_rating_is_409_and_stores_nothing(world, parties, done_visit):
    agency, provider, enterprise = parties
    _, visit_id = done_visit
    assert world.rate(enterprise, visit_id, 5).status_code == 201
    before = world.snapshot()

    assert_error(world.rate(enterprise, visit_id, 1), 409)
    assert_error(world.rate(enterprise, visit_id, 5), 409)
    assert world.snapshot() == before


def test_rating_an_open_visit_is_409(world, parties, open_visit):
    agency, provider, enterprise = parties
    _, visit_id = open_visit
    before = world.snapshot()

    assert_error(world.rate(enterprise, visit_id, 5), 409)
    assert world.snapshot() == before


def test_rating_is_open_for_30_days_after_completion(world, parties, done_visit):
    agency, provider, enterprise = parties
    _, visit_id = done_visit
    second_visit = world.completed_visit(agency, provider, enterprise)[1]

    move_clock(days=30)
    world.sign_in_again(enterprise)
    on_day_30 = world.rate(enterprise, visit_id, 4)
    move_clock(days=1)
    world.sign_in_again(enterprise)
    before = world.snapshot()
    on_day_31 = world.rate(enterprise, second_visit, 4)

    assert on_day_30.status_code == 201
    assert_error(on_day_31, 409)
    assert world.snapshot() == before


def test_only_the_visits_enterprise_rates(world, parties, done_visit):
    agency, provider, enterprise = parties
    _, visit_id = done_visit
    neighbour = world.enterprise("海宁市金潮化纤有限公司")
    before = world.snapshot()

    assert_error(world.rate(neighbour, visit_id, 1), 403)
    assert_error(world.client.post(f"/api/v1/visits/{visit_id}/rating", json={"level": 5}, headers=provider.headers), 403)
    assert_error(world.client.post(f"/api/v1/visits/{visit_id}/rating", json={"level": 5}, headers=agency.headers), 403)
    assert_error(world.client.post(f"/api/v1/visits/{visit_id}/rating", json={"level": 5}, headers=world.admin), 403)
    assert_error(world.client.post(f"/api/v1/visits/{visit_id}/rating", json={"level": 5}), 401)
    assert_error(world.rate(enterprise, 999999, 5), 404)
    assert world.snapshot() == before


INVALID_RATINGS = [
    ({"level": 6}, {"level"}),
    ({"level": 0}, {"level"}),
    ({"level": -1}, {"level"}),
    ({"level": "5"}, {"level"}),
    ({"level": 4.5}, {"level"}),
    ({"level": None}, {"level"}),
    ({}, {"level"}),
    ({"level": 5, "flags": ["rude"]}, {"flags"}),
    ({"level": 5, "flags": "forced_sales"}, {"flags"}),
    ({"level": 5, "comment": "长" * 1001}, {"comment"}),
    ({"level": 6, "flags": ["rude"]}, {"level", "flags"}),
]


def test_invalid_rating_is_422_and_stores_nothing(world, parties, done_visit, subtests):
    agency, provider, enterprise = parties
    _, visit_id = done_visit
    before = world.snapshot()

    for body, fields in INVALID_RATINGS:
        with subtests.test(body=body):
            response = world.client.post(f"/api/v1/visits/{visit_id}/rating", json=body, headers=enterprise.headers)
            assert_error(response, 422, fields)
            assert world.snapshot() == before


def test_non_json_rating_is_400(world, parties, done_visit):
    agency, provider, enterprise = parties
    _, visit_id = done_visit
    before = world.snapshot()

    response = world.client.post(f"/api/v1/visits/{visit_id}/rating", data="level=5",
                                 headers={**enterprise.headers, "Content-Type": "application/x-www-form-urlencoded"})

    assert_error(response, 400)
    assert world.snapshot() == before


def test_one_rating_per_code_and_day_in_shanghai(world, parties):
    # A code allows any number of entries, and the enterprise may end a visit as soon as it opened:
    # without the limit one enterprise could rate one code again and again within a minute.
    agency, provider, enterprise = parties
    code = world.code(agency, provider, enterprise)
    _, first = world.completed_visit(agency, provider, enterprise, code)
    _, second = world.completed_visit(agency, provider, enterprise, code)
    assert world.rate(enterprise, first, 4).status_code == 201
    before = world.snapshot()

    refused = world.rate(enterprise, second, 5)

    assert assert_error(refused, 409)["message"] == (
        "同一服务码同一天的入企只评价一次，当天的另一次入企已经评价过；如遇问题，仍可选择不满意或勾选问题标记向委托单位反映")
    assert world.snapshot() == before
    # A bad review is a report of what went wrong: it always reaches the agency.
    assert world.rate(enterprise, second, 3, ["forced_sales"]).status_code == 201
    # The next day (Asia/Shanghai: 00:30 on 4 December is still 3 December in UTC) is another service.
    set_clock_shanghai(2026, 12, 4, 0, 30)
    world.sign_in_again(agency, provider, enterprise)
    _, next_day = world.completed_visit(agency, provider, enterprise, code)
    assert world.rate(enterprise, next_day, 5).status_code == 201
    # Another code the same day is another service too.
    _, other_code_visit, _rating = world.rated_visit(agency, provider, enterprise, 2)
    assert other_code_visit not in (first, second, next_day)
