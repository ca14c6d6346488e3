"""/api/v1/notifications: the organisation's in-app messages, the unread count, marking read."""
import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import Notification
from tests.factories import assert_error


@pytest.fixture
def parties(world):
    return world.agency(), world.provider(), world.enterprise()


def messages_of(world, org):
    response = world.client.get("/api/v1/notifications", headers=org.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def bad_review(world, parties):
    agency, provider, enterprise = parties
    _code, visit_id = world.completed_visit(agency, provider, enterprise)
    assert world.rate(enterprise, visit_id, 2, ["forced_sales"], "推销灭火器").status_code == 201
    return visit_id


def test_a_bad_review_notifies_the_agency_and_the_provider(world, parties):
    agency, provider, enterprise = parties
    bad_review(world, parties)

    to_agency, to_provider = messages_of(world, agency), messages_of(world, provider)

    assert to_agency["unread"] == 1
    [message] = to_agency["items"]
    assert {key: message[key] for key in ("kind", "kind_label", "title", "body", "object_type", "created_at",
                                          "read", "read_at")} == {
        "kind": "bad_review", "kind_label": "新差评", "title": "新差评：海宁兴隆恒远皮革有限公司",
        "body": "评价等级 2，问题标记：强制推销。请于 2026-12-04 23:59 前联系企业核实。",
        "object_type": "review_cases", "created_at": "2026-12-03T10:00:00+08:00", "read": False, "read_at": None}
    case_id = world.client.get("/api/v1/cases", headers=agency.headers).get_json()[0]["id"]
    assert message["object_id"] == case_id
    assert to_provider["unread"] == 1
    assert [(item["kind"], item["title"], item["body"]) for item in to_provider["items"]] == [
        ("bad_review", "收到差评", "评价等级 2，问题标记：强制推销。请于 2026-12-18 23:59 前完成整改并报告。")]
    assert messages_of(world, enterprise) == {"unread": 0, "items": []}


def test_marking_one_message_read(world, parties):
    agency, provider, enterprise = parties
    bad_review(world, parties)
    bad_review(world, parties)
    newest, older = messages_of(world, provider)["items"]

    response = world.client.post("/api/v1/notifications/read", headers=provider.headers, json={"id": older["id"]})

    assert response.status_code == 200
    assert response.get_json() == {"marked": 1, "unread": 1}
    items = messages_of(world, provider)["items"]
    assert [(item["id"], item["read"], item["read_at"]) for item in items] == [
        (newest["id"], False, None), (older["id"], True, "2026-12-03T10:00:00+08:00")]
    # Marking it again changes nothing; the agency's own messages were never touched.
    again = world.client.post("/api/v1/notifications/read", headers=provider.headers, json={"id": older["id"]})
    assert again.get_json() == {"marked": 0, "unread": 1}
    assert messages_of(world, agency)["unread"] == 2


def test_marking_all_read_with_or_without_a_body(world, parties):
    agency, provider, enterprise = parties
    bad_review(world, parties)
    bad_review(world, parties)

    assert world.client.post("/api/v1/notifications/read", headers=agency.headers,
                             json={}).get_json() == {"marked": 2, "unread": 0}
    assert world.client.post("/api/v1/notifications/read", headers=provider.headers).get_json() == {
        "marked": 2, "unread": 0}
    assert all(item["read"] for item in messages_of(world, agency)["items"])


def test_standing_changes_reach_both_sides(world, parties):
    agency, provider, enterprise = parties
    for _ in range(3):
        bad_review(world, parties)

    provider_kinds = [item["kind"] for item in messages_of(world, provider)["items"]]
    agency_kinds = [item["kind"] for item in messages_of(world, agency)["items"]]

    assert provider_kinds == ["exited", "bad_review", "bad_review", "bad_review"]
    assert agency_kinds == ["exited", "bad_review", "bad_review", "bad_review"]


def test_another_organisations_message_is_not_found_and_stays_unread(world, parties):
    agency, provider, enterprise = parties
    bad_review(world, parties)
    agency_message = messages_of(world, agency)["items"][0]

    assert_error(world.client.post("/api/v1/notifications/read", headers=provider.headers,
                                   json={"id": agency_message["id"]}), 404)
    assert_error(world.client.post("/api/v1/notifications/read", headers=provider.headers, json={"id": 999}), 404)
    assert_error(world.client.post("/api/v1/notifications/read", headers=provider.headers, json={"id": "1"}),
                 422, {"id"})
    assert_error(world.client.post("/api/v1/notifications/read", headers=provider.headers,
                                   json={"id": 1, "all": True}), 422, {"all"})
    assert_error(world.client.post("/api/v1/notifications/read",
                                   headers={**provider.headers, "Content-Type": "application/json"}, data="[1"), 400)
    assert_error(world.client.post("/api/v1/notifications/read", json={}), 401)
    assert_error(world.client.get("/api/v1/notifications"), 401)

    assert messages_of(world, agency)["unread"] == 1 and messages_of(world, provider)["unread"] == 1
    with world.app.app_context():
        assert db.session.scalars(select(Notification.read_at)).all() == [None, None]
