"""/api/v1/exit-rules: each agency reads and changes its own exit rules; changes are audited,
validated field by field, and apply at once (including the dynamic-codes-only setting)."""
import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEntry, ExitRule
from tests.factories import assert_error

DEFAULTS = {"window": 20, "minimum_sample": 10, "warn_below": 0.9, "suspend_below": 0.8, "exit_below": 0.7,
            "bad_reviews_to_exit": 3, "bad_review_days": 90, "exit_flags": ["forced_sales", "out_of_scope"],
            "require_dynamic_codes": False, "updated_at": None}


@pytest.fixture
def parties(world):
    return world.agency(), world.provider(), world.enterprise()


def rules_of(world, agency):
    response = world.client.get("/api/v1/exit-rules", headers=agency.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def put(world, org, body):
    return world.client.put("/api/v1/exit-rules", headers=org.headers, json=body)


def audit_rows(world):
    with world.app.app_context():
        return db.session.execute(select(AuditEntry.action, AuditEntry.actor_user_id, AuditEntry.object_type,
                                         AuditEntry.object_id, AuditEntry.before, AuditEntry.after)
                                  .where(AuditEntry.action == "exit_rules.update").order_by(AuditEntry.id)).all()


def test_an_agency_that_never_changed_its_rules_reads_the_defaults(world, parties):
    agency, provider, enterprise = parties
    assert rules_of(world, agency) == DEFAULTS


def test_a_partial_change_round_trips_and_leaves_the_other_fields(world, parties):
    agency, provider, enterprise = parties

    response = put(world, agency, {"warn_below": 0.95, "bad_reviews_to_exit": 2, "exit_flags": ["forced_sales"],
                                   "require_dynamic_codes": True})

    expected = {**DEFAULTS, "warn_below": 0.95, "bad_reviews_to_exit": 2, "exit_flags": ["forced_sales"],
                "require_dynamic_codes": True, "updated_at": "2026-12-03T10:00:00+08:00"}
    assert response.status_code == 200
    assert response.get_json() == expected
    assert rules_of(world, agency) == expected
    assert put(world, agency, {"window": 30, "minimum_sample": 15}).status_code == 200
    assert rules_of(world, agency) == {**expected, "window": 30, "minimum_sample": 15}
    # Another agency keeps the defaults.
    assert rules_of(world, world.agency(name="海宁市市场监督管理局")) == DEFAULTS


def test_each_change_is_audited_with_who_before_and_after(world, parties):
    agency, provider, enterprise = parties

    put(world, agency, {"exit_below": 0.6})

    rows = audit_rows(world)
    assert len(rows) == 1
    action, actor, object_type, object_id, before, after = rows[0]
    assert (action, actor, object_type, object_id) == (
        "exit_rules.update", world.user_id(agency), "exit_rules", agency.id)
    assert (before["exit_below"], after["exit_below"]) == (0.7, 0.6)
    assert {key: value for key, value in after.items() if key != "exit_below"} == {
        key: value for key, value in before.items() if key != "exit_below"}


def test_thresholds_out_of_order_name_suspend_below_and_store_nothing(world, parties):
    agency, provider, enterprise = parties
    snapshot = world.snapshot()

    body = assert_error(put(world, agency, {"exit_below": 0.85}), 422, {"suspend_below"})

    assert body["errors"]["suspend_below"] == ["须满足：退出线 ≤ 暂停线 ≤ 预警线"]
    assert world.snapshot() == snapshot
    assert rules_of(world, agency) == DEFAULTS


@pytest.mark.parametrize("body, fields", [
    ({"exit_flags": ["forced_sales", "rudeness"]}, {"exit_flags"}),
    ({"window": 0}, {"window", "minimum_sample"}),
    ({"minimum_sample": 21}, {"minimum_sample"}),
    ({"warn_below": 1.5, "exit_below": -0.1}, {"warn_below", "exit_below"}),
    ({"bad_reviews_to_exit": 0, "bad_review_days": 0}, {"bad_reviews_to_exit", "bad_review_days"}),
    ({"window": "20"}, {"window"}),
    ({"window": 20.5}, {"window"}),
    ({"warn_below": "ninety"}, {"warn_below"}),
    ({"exit_flags": "forced_sales"}, {"exit_flags"}),
    ({"window": None}, {"window"}),
    ({"require_dynamic_codes": "yes"}, {"require_dynamic_codes"}),
    ({"require_dynamic_codes": 1}, {"require_dynamic_codes"}),
    ({"colour": "red"}, {"colour"}),
    ({}, {"_schema"}),
])
def test_invalid_rules_are_422_naming_each_field_and_change_nothing(world, parties, body, fields):
    agency, provider, enterprise = parties
    put(world, agency, {"bad_review_days": 60})
    before, snapshot = rules_of(world, agency), world.snapshot()

    assert_error(put(world, agency, body), 422, fields)

    assert rules_of(world, agency) == before and world.snapshot() == snapshot


def test_only_an_agency_reads_or_changes_rules(world, parties):
    agency, provider, enterprise = parties
    for org in (provider, enterprise):
        assert_error(world.client.get("/api/v1/exit-rules", headers=org.headers), 403)
        assert_error(put(world, org, {"window": 10}), 403)
    assert_error(world.client.get("/api/v1/exit-rules"), 401)
    assert_error(world.client.put("/api/v1/exit-rules", json={"window": 10}), 401)
    assert_error(world.client.put("/api/v1/exit-rules", headers={**agency.headers, "Content-Type": "application/json"},
                                  data="window=10"), 400)
    with world.app.app_context():
        assert db.session.scalars(select(ExitRule)).all() == []


def test_requiring_dynamic_codes_turns_static_urls_away_and_lets_dynamic_ones_in(world, parties):
    agency, provider, enterprise = parties
    code = world.code(agency, provider, enterprise)
    assert world.verify(code["url"])["reason"] == "ok"

    assert put(world, agency, {"require_dynamic_codes": True}).status_code == 200

    static = world.verify(code["url"], enterprise.headers)
    assert (static["valid"], static["reason"], static["visit_id"]) == (False, "dynamic_required", None)
    dynamic = world.client.get(f"/api/v1/codes/{code['id']}/dynamic", headers=provider.headers).get_json()
    verdict = world.verify(dynamic["url"], enterprise.headers)
    assert (verdict["valid"], verdict["reason"]) == (True, "ok")
    assert verdict["visit_id"] is not None

    assert put(world, agency, {"require_dynamic_codes": False}).status_code == 200
    assert world.verify(code["url"])["reason"] == "ok"


def test_a_stricter_rule_applies_to_the_providers_at_once(world, parties):
    agency, provider, enterprise = parties
    code = world.code(agency, provider, enterprise)
    _code, visit_id = world.completed_visit(agency, provider, enterprise, code)
    assert world.rate(enterprise, visit_id, 2).status_code == 201
    assert world.client.get("/api/v1/providers/me/standing", headers=provider.headers).get_json()["standing"] == "good"

    assert put(world, agency, {"bad_reviews_to_exit": 1}).status_code == 200

    standing = world.client.get("/api/v1/providers/me/standing", headers=provider.headers).get_json()
    assert standing["standing"] == "exited"
    assert [reason["rule"] for reason in standing["reasons"]] == ["bad_reviews"]
    assert world.verify(code["url"], enterprise.headers)["reason"] == "provider_exited"
