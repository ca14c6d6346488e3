"""server.domain.audit: approve, reject, revoke, exit and reinstate each leave an audit row with the
actor, the action and the state before and after."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from server import clock
from server.domain.audit import verify_chain
from server.extensions import db
from server.models import AuditEntry, ServiceCode, Standing
from tests.conftest import NOW, move_clock


@pytest.fixture
def parties(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    commission = world.commission(agency, provider)
    return agency, provider, enterprise, commission


def _entries(world, action):
    with world.app.app_context():
        return [
            {"actor": entry.actor_user_id, "object_type": entry.object_type, "object_id": entry.object_id,
             "before": entry.before, "after": entry.after, "at": clock.as_utc(entry.at)}
            for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))
        ]


def _code_state(provider, status, reason=None):
    return {"status": status, "version": 1, "scope_items": ["安全隐患排查", "安全培训"],
            "valid_from": "2026-12-01", "valid_until": "2026-12-31", "staff_ids": list(provider.staff_ids),
            "reason": reason}


def test_approval_is_audited_with_the_agency_user_and_both_states(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission, approve=False)
    move_clock(minutes=5)

    world.client.post(f"/api/v1/codes/{code['id']}/approve", headers=agency.headers)

    assert _entries(world, "code.approve") == [{
        "actor": world.user_id(agency), "object_type": "service_codes", "object_id": code["id"],
        "before": _code_state(provider, "pending"), "after": _code_state(provider, "active"),
        "at": datetime(2026, 12, 3, 2, 5, tzinfo=timezone.utc),
    }]


def test_rejection_is_audited_with_its_reason(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission, approve=False)

    world.client.post(f"/api/v1/codes/{code['id']}/reject", json={"reason": "人员资质证书过期"}, headers=agency.headers)

    assert _entries(world, "code.reject") == [{
        "actor": world.user_id(agency), "object_type": "service_codes", "object_id": code["id"],
        "before": _code_state(provider, "pending"), "after": _code_state(provider, "rejected", "人员资质证书过期"),
        "at": NOW,
    }]


def test_revocation_is_audited_with_its_reason(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)

    world.client.post(f"/api/v1/codes/{code['id']}/revoke", json={"reason": "企业申请取消"}, headers=agency.headers)

    assert _entries(world, "code.revoke") == [{
        "actor": world.user_id(agency), "object_type": "service_codes", "object_id": code["id"],
        "before": _code_state(provider, "active"), "after": _code_state(provider, "revoked", "企业申请取消"),
        "at": NOW,
    }]


def _exit(world, agency, provider, enterprise, commission):
    """Three bad reviews, each of a code of its own; returns the codes (all active at the exit)
    and the ratings."""
    rated = [world.rated_visit(agency, provider, enterprise, level, commission=commission) for level in (2, 1, 2)]
    return [code for code, _, _ in rated], [rating["id"] for _, _, rating in rated]


def _standing_id(world, agency, provider):
    with world.app.app_context():
        return db.session.scalar(select(Standing.id).where(
            Standing.agency_id == agency.id, Standing.provider_id == provider.id))


def test_exit_is_audited_as_a_system_action_with_the_ratings_behind_it(world, parties):
    agency, provider, enterprise, commission = parties

    codes, rating_ids = _exit(world, agency, provider, enterprise, commission)

    reasons = [{"rule": "bad_reviews", "text": "90 天内差评 3 次（达到 3 次即退出）", "rating_ids": rating_ids}]
    assert _entries(world, "standing.exited") == [{
        "actor": None, "object_type": "standings", "object_id": _standing_id(world, agency, provider),
        "before": {"state": "good", "reasons": []}, "after": {"state": "exited", "reasons": reasons}, "at": NOW,
    }]
    revocations = _entries(world, "code.revoke_on_exit")
    assert [(entry["actor"], entry["object_id"], entry["before"]["status"], entry["after"]["status"])
            for entry in revocations] == [(None, code["id"], "active", "revoked") for code in codes]
    assert revocations[0]["after"]["reason"] == "机构退出：90 天内差评 3 次（达到 3 次即退出）"


def test_reinstatement_is_audited_with_the_agency_user_and_the_written_reason(world, parties):
    agency, provider, enterprise, commission = parties
    _, rating_ids = _exit(world, agency, provider, enterprise, commission)
    move_clock(hours=2)

    world.client.post(f"/api/v1/providers/{provider.uscc}/reinstate", json={"reason": "已完成整改"},
                      headers=agency.headers)

    exited = [{"rule": "bad_reviews", "text": "90 天内差评 3 次（达到 3 次即退出）", "rating_ids": rating_ids}]
    assert _entries(world, "standing.reinstated") == [{
        "actor": world.user_id(agency), "object_type": "standings", "object_id": _standing_id(world, agency, provider),
        "before": {"state": "exited", "reasons": exited},
        "after": {"state": "reinstated", "reasons": [{"rule": "reinstated", "text": "已完成整改", "rating_ids": []}]},
        "at": datetime(2026, 12, 3, 4, 0, tzinfo=timezone.utc),
    }]


def test_refused_decisions_leave_no_audit_row(world, parties):
    agency, provider, enterprise, commission = parties
    code = world.code(agency, provider, enterprise, commission=commission)
    entries = world.count(AuditEntry)

    world.client.post(f"/api/v1/codes/{code['id']}/approve", headers=agency.headers)
    world.client.post(f"/api/v1/codes/{code['id']}/reject", json={"reason": "晚了"}, headers=agency.headers)
    world.client.post(f"/api/v1/providers/{provider.uscc}/reinstate", json={"reason": "无需"}, headers=agency.headers)

    assert world.count(AuditEntry) == entries


def test_the_trail_of_a_whole_story_is_an_unbroken_chain(world, parties):
    agency, provider, enterprise, commission = parties
    _exit(world, agency, provider, enterprise, commission)
    world.client.post(f"/api/v1/providers/{provider.uscc}/reinstate", json={"reason": "已完成整改"},
                      headers=agency.headers)

    with world.app.app_context():
        checked, broken = verify_chain()
        statuses = db.session.scalars(select(ServiceCode.status)).all()

    assert broken is None
    assert checked == world.count(AuditEntry)
    assert statuses == ["revoked"] * 3
