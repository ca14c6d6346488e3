"""/api/v1/cases: bad-review cases for each audience, their steps, red-line decisions; and
/api/v1/visits/{id}/followup-rating, the one follow-up after a bad review."""
import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEntry, Rating, ServiceCode
from tests.conftest import move_clock, set_clock_shanghai
from tests.factories import assert_error


@pytest.fixture
def parties(world):
    return world.agency(), world.provider(), world.enterprise()


def bad_review(world, parties, level=2, flags=("forced_sales",), comment="服务人员推销灭火器", code=None):
    """A finished visit rated as a bad review (of a new code like ``code`` when one is given);
    returns (code, visit_id, case_id)."""
    agency, provider, enterprise = parties
    if code is None:
        code, visit_id = world.completed_visit(agency, provider, enterprise)
        response = world.rate(enterprise, visit_id, level, flags, comment)
        assert response.status_code == 201, response.get_json()
    else:  # another service like ``code``: a code of its own (ratings count one per code and day)
        code, visit_id, _rating = world.rated_visit(agency, provider, enterprise, level, flags, comment, code=code)
    cases = world.client.get("/api/v1/cases", headers=agency.headers).get_json()
    return code, visit_id, cases[0]["id"]


def get_case(world, org, case_id):
    response = world.client.get(f"/api/v1/cases/{case_id}", headers=org.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def post(world, org, path, body=None):
    return world.client.post(path, headers=org.headers, json=body if body is not None else {})


# ---- reading cases --------------------------------------------------------------------------

def test_agency_reads_the_case_real_name_with_deadlines_in_shanghai_time(world, parties):
    agency, provider, enterprise = parties
    code, visit_id, case_id = bad_review(world, parties)

    response = world.client.get("/api/v1/cases", headers=agency.headers)

    assert response.status_code == 200
    assert response.get_json() == [{
        "id": case_id, "status": "open", "visit_id": visit_id,
        "opened_at": "2026-12-03T10:00:00+08:00",
        # Opened on Thursday 2026-12-03: contact by the end of Friday, rectify within 15 days.
        "contact_due": "2026-12-04T23:59:59+08:00", "rectify_due": "2026-12-18T23:59:59+08:00",
        "contacted_at": None, "rectified_at": None, "closed_at": None,
        "overdue": False, "overdue_steps": [],
        "red_flags": ["forced_sales"], "flag_decision": None, "flag_decided_at": None,
        "rating": {"level": 2, "flags": ["forced_sales"], "comment": "服务人员推销灭火器",
                   "rated_at": "2026-12-03T10:00:00+08:00", "followup": False},
        "followup_rating": None, "followup_allowed": True,
        "notes": {"contact": None, "rectification": None, "close": None, "flag": None},
        "provider": {"uscc": provider.uscc, "name": "浙江安远安全技术咨询有限公司"},
        "enterprise": {"uscc": enterprise.uscc, "name": "海宁兴隆恒远皮革有限公司"},
        "rater": enterprise.username,
    }]


def test_the_provider_reads_its_case_without_enterprise_visit_or_rater(world, parties):
    agency, provider, enterprise = parties
    _code, _visit_id, case_id = bad_review(world, parties)
    post(world, agency, f"/api/v1/cases/{case_id}/contact", {"note": "电话回访企业负责人王某，情况属实"})

    body = world.client.get("/api/v1/cases", headers=provider.headers).get_json()

    assert len(body) == 1
    case = body[0]
    assert set(case) == {"id", "status", "opened_at", "contact_due", "rectify_due", "contacted_at", "rectified_at",
                         "closed_at", "overdue", "overdue_steps", "red_flags", "flag_decision", "flag_decided_at",
                         "rating", "followup_rating", "notes"}
    assert (case["id"], case["status"], case["contact_due"]) == (case_id, "contacted", "2026-12-04T23:59:59+08:00")
    # The agency's note of its talk with the enterprise would name the enterprise: not for the provider.
    assert case["notes"] == {"rectification": None, "close": None, "flag": None}
    text = str(body)
    assert enterprise.username not in text and enterprise.name not in text and enterprise.uscc not in text


def test_the_enterprise_reads_the_progress_of_its_own_case_but_not_the_rater(world, parties):
    agency, provider, enterprise = parties
    _code, visit_id, case_id = bad_review(world, parties)
    post(world, agency, f"/api/v1/cases/{case_id}/contact", {"note": "已电话回访"})

    case = get_case(world, enterprise, case_id)

    assert set(case) == {"id", "status", "opened_at", "contact_due", "rectify_due", "contacted_at", "rectified_at",
                         "closed_at", "overdue", "overdue_steps", "red_flags", "flag_decision", "flag_decided_at",
                         "rating", "followup_rating", "followup_allowed", "notes", "visit_id", "provider"}
    assert (case["visit_id"], case["status"], case["contacted_at"]) == (
        visit_id, "contacted", "2026-12-03T10:00:00+08:00")
    assert case["notes"] == {"contact": "已电话回访", "rectification": None, "close": None, "flag": None}
    assert enterprise.username not in str(case)


def test_open_filter_leaves_out_closed_cases(world, parties):
    agency, provider, enterprise = parties
    code, _visit, first = bad_review(world, parties, level=1, flags=())
    _code, _visit, second = bad_review(world, parties, level=2, flags=("no_show",), code=code)
    assert post(world, agency, f"/api/v1/cases/{first}/contact", {"note": "已回访"}).status_code == 200
    assert post(world, agency, f"/api/v1/cases/{first}/close", {"note": "办结"}).status_code == 200

    every = world.client.get("/api/v1/cases", headers=agency.headers).get_json()
    open_only = world.client.get("/api/v1/cases?open=true", headers=agency.headers).get_json()

    assert [(case["id"], case["status"]) for case in every] == [(second, "open"), (first, "closed")]
    assert [case["id"] for case in open_only] == [second]
    assert_error(world.client.get("/api/v1/cases?open=perhaps", headers=agency.headers), 422, {"open"})


def test_an_overdue_case_is_marked_after_the_clock_moves(world, parties):
    agency, provider, enterprise = parties
    _code, _visit, case_id = bad_review(world, parties)

    set_clock_shanghai(2026, 12, 4, 23, 58)
    world.sign_in_again(agency, provider)
    assert get_case(world, agency, case_id)["overdue_steps"] == []
    set_clock_shanghai(2026, 12, 5, 0, 1)
    late = get_case(world, agency, case_id)
    assert (late["overdue"], late["overdue_steps"]) == (True, ["contact"])
    set_clock_shanghai(2026, 12, 19, 0, 1)
    world.sign_in_again(agency, provider)
    assert get_case(world, provider, case_id)["overdue_steps"] == ["contact", "rectify"]


def test_cases_of_other_organisations_are_not_found(world, parties):
    agency, provider, enterprise = parties
    _code, _visit, case_id = bad_review(world, parties)
    other_agency = world.agency(name="海宁市市场监督管理局")
    other_enterprise = world.enterprise(name="海宁安和海川光伏有限公司")
    other_provider = world.provider(name="嘉兴正信检测技术有限公司")

    for org in (other_agency, other_enterprise, other_provider):
        assert world.client.get("/api/v1/cases", headers=org.headers).get_json() == []
        assert_error(world.client.get(f"/api/v1/cases/{case_id}", headers=org.headers), 404)
    assert_error(world.client.get("/api/v1/cases/999", headers=agency.headers), 404)
    assert_error(world.client.get("/api/v1/cases"), 401)


# ---- the steps ------------------------------------------------------------------------------

def test_agency_records_contact_and_a_second_time_is_a_conflict(world, parties):
    agency, provider, enterprise = parties
    _code, _visit, case_id = bad_review(world, parties)
    move_clock(hours=3)

    response = post(world, agency, f"/api/v1/cases/{case_id}/contact", {"note": "电话回访企业，情况属实"})

    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["contacted_at"], body["notes"]["contact"]) == (
        "contacted", "2026-12-03T13:00:00+08:00", "电话回访企业，情况属实")
    before, snapshot = get_case(world, agency, case_id), world.snapshot()
    assert_error(post(world, agency, f"/api/v1/cases/{case_id}/contact", {"note": "再次联系"}), 409)
    assert get_case(world, agency, case_id) == before and world.snapshot() == snapshot


def test_contact_is_refused_with_the_right_status_and_changes_nothing(world, parties):
    agency, provider, enterprise = parties
    _code, _visit, case_id = bad_review(world, parties)
    other_agency = world.agency(name="海宁市市场监督管理局")
    before, snapshot = get_case(world, agency, case_id), world.snapshot()
    path = f"/api/v1/cases/{case_id}/contact"

    assert_error(post(world, provider, path, {"note": "x"}), 403)
    assert_error(post(world, enterprise, path, {"note": "x"}), 403)
    assert_error(world.client.post(path, json={"note": "x"}), 401)
    assert_error(post(world, other_agency, path, {"note": "x"}), 404)
    assert_error(post(world, agency, "/api/v1/cases/999/contact", {"note": "x"}), 404)
    assert_error(post(world, agency, path, {}), 422, {"note"})
    assert_error(post(world, agency, path, {"note": "   "}), 422, {"note"})
    assert_error(post(world, agency, path, {"note": "长" * 2001}), 422, {"note"})
    assert_error(post(world, agency, path, {"note": "x", "extra": 1}), 422, {"extra"})
    assert_error(world.client.post(path, headers={**agency.headers, "Content-Type": "application/json"},
                                   data="{not json"), 400)
    assert get_case(world, agency, case_id) == before and world.snapshot() == snapshot


def test_provider_reports_rectification_once(world, parties):
    agency, provider, enterprise = parties
    _code, _visit, case_id = bad_review(world, parties)
    rival = world.provider(name="嘉兴正信检测技术有限公司")
    path = f"/api/v1/cases/{case_id}/rectification"
    assert_error(post(world, agency, path, {"note": "x"}), 403)
    assert_error(post(world, rival, path, {"note": "x"}), 404)
    assert_error(post(world, provider, path, {"note": ""}), 422, {"note"})
    move_clock(days=2)
    world.sign_in_again(provider)

    response = post(world, provider, path, {"note": "已对服务人员培训，收回推销资料"})

    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["rectified_at"], body["notes"]) == (
        "rectified", "2026-12-05T10:00:00+08:00",
        {"rectification": "已对服务人员培训，收回推销资料", "close": None, "flag": None})
    assert "enterprise" not in body and "rater" not in body
    before = get_case(world, provider, case_id)
    assert_error(post(world, provider, path, {"note": "补充"}), 409)
    assert get_case(world, provider, case_id) == before


def test_confirming_a_red_line_flag_exits_the_provider(world, parties):
    agency, provider, enterprise = parties
    code, _visit, case_id = bad_review(world, parties, flags=("out_of_scope",))
    path = f"/api/v1/cases/{case_id}/flags"
    assert_error(post(world, agency, path, {"decision": "maybe", "note": "x"}), 422, {"decision"})
    assert_error(post(world, agency, path, {"note": "x"}), 422, {"decision"})
    assert_error(post(world, provider, path, {"decision": "dismissed", "note": "x"}), 403)

    response = post(world, agency, path, {"decision": "confirmed", "note": "经核实，超出委托范围开展收费服务"})

    assert response.status_code == 200
    body = response.get_json()
    assert (body["flag_decision"], body["flag_decided_at"], body["notes"]["flag"]) == (
        "confirmed", "2026-12-03T10:00:00+08:00", "经核实，超出委托范围开展收费服务")
    standing = world.client.get("/api/v1/providers/me/standing", headers=provider.headers).get_json()
    assert standing["standing"] == "exited"
    with world.app.app_context():
        assert db.session.get(ServiceCode, code["id"]).status == "revoked"
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "review_cases",
                                                                     AuditEntry.object_id == case_id)).all()
    assert actions == ["case.open", "case.flag_confirmed"]
    assert_error(post(world, agency, path, {"decision": "dismissed", "note": "改判"}), 409)


def test_deciding_a_case_without_red_lines_is_a_conflict(world, parties):
    agency, provider, enterprise = parties
    _code, _visit, case_id = bad_review(world, parties, level=1, flags=("no_show",))
    before, snapshot = get_case(world, agency, case_id), world.snapshot()

    assert_error(post(world, agency, f"/api/v1/cases/{case_id}/flags", {"decision": "confirmed", "note": "x"}), 409)

    assert get_case(world, agency, case_id) == before and world.snapshot() == snapshot


def test_closing_needs_the_contact_and_the_red_line_decision_first(world, parties):
    agency, provider, enterprise = parties
    _code, _visit, case_id = bad_review(world, parties, flags=("forced_sales",))
    path = f"/api/v1/cases/{case_id}/close"
    assert_error(post(world, agency, path, {"note": "办结"}), 409)
    post(world, agency, f"/api/v1/cases/{case_id}/contact", {"note": "已回访"})
    assert_error(post(world, agency, path, {"note": "办结"}), 409)
    post(world, agency, f"/api/v1/cases/{case_id}/flags", {"decision": "dismissed", "note": "企业误解，非推销"})
    assert_error(post(world, provider, path, {"note": "办结"}), 403)
    assert_error(post(world, agency, path, {"note": ""}), 422, {"note"})
    move_clock(days=1)
    world.sign_in_again(agency)

    response = post(world, agency, path, {"note": "核实为误解，办结"})

    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["closed_at"], body["flag_decision"], body["overdue_steps"]) == (
        "closed", "2026-12-04T10:00:00+08:00", "dismissed", [])
    assert body["notes"] == {"contact": "已回访", "rectification": None, "close": "核实为误解，办结",
                             "flag": "企业误解，非推销"}
    assert_error(post(world, agency, path, {"note": "再次办结"}), 409)


# ---- the follow-up rating -------------------------------------------------------------------

def test_the_enterprise_adds_one_follow_up_rating_after_a_bad_review(world, parties):
    agency, provider, enterprise = parties
    _code, visit_id, case_id = bad_review(world, parties, level=1, flags=())
    move_clock(days=3)
    world.sign_in_again(agency, enterprise)

    response = post(world, enterprise, f"/api/v1/visits/{visit_id}/followup-rating",
                    {"level": 4, "flags": [], "comment": "整改后服务规范"})

    assert response.status_code == 201
    body = response.get_json()
    assert {key: body[key] for key in ("visit_id", "level", "flags", "comment", "rated_at", "bad_review")} == {
        "visit_id": visit_id, "level": 4, "flags": [], "comment": "整改后服务规范",
        "rated_at": "2026-12-06T10:00:00+08:00", "bad_review": False}
    case = get_case(world, agency, case_id)
    assert (case["followup_rating"], case["followup_allowed"]) == (
        {"level": 4, "rated_at": "2026-12-06T10:00:00+08:00"}, False)
    with world.app.app_context():
        assert sorted(db.session.execute(select(Rating.level, Rating.followup)
                                         .where(Rating.visit_id == visit_id)).all()) == [(1, False), (4, True)]
    snapshot = world.snapshot()
    assert_error(post(world, enterprise, f"/api/v1/visits/{visit_id}/followup-rating", {"level": 5}), 409)
    assert world.snapshot() == snapshot


def test_follow_up_rating_is_refused_where_it_is_not_allowed(world, parties):
    agency, provider, enterprise = parties
    _code, good_visit = world.completed_visit(agency, provider, enterprise)
    assert world.rate(enterprise, good_visit, 5).status_code == 201
    _code, unrated_visit = world.completed_visit(agency, provider, enterprise)
    _code, bad_visit, _case = bad_review(world, parties, level=2, flags=())
    other = world.enterprise(name="海宁安和海川光伏有限公司")
    snapshot = world.snapshot()

    assert_error(post(world, enterprise, f"/api/v1/visits/{good_visit}/followup-rating", {"level": 5}), 409)
    assert_error(post(world, enterprise, f"/api/v1/visits/{unrated_visit}/followup-rating", {"level": 5}), 409)
    assert_error(post(world, other, f"/api/v1/visits/{bad_visit}/followup-rating", {"level": 5}), 403)
    assert_error(post(world, provider, f"/api/v1/visits/{bad_visit}/followup-rating", {"level": 5}), 403)
    assert_error(post(world, enterprise, "/api/v1/visits/999/followup-rating", {"level": 5}), 404)
    assert_error(post(world, enterprise, f"/api/v1/visits/{bad_visit}/followup-rating", {"level": 6}), 422, {"level"})
    assert_error(post(world, enterprise, f"/api/v1/visits/{bad_visit}/followup-rating",
                      {"level": 4, "flags": ["rude"]}), 422, {"flags"})
    assert_error(world.client.post(f"/api/v1/visits/{bad_visit}/followup-rating", json={"level": 5}), 401)
    assert world.snapshot() == snapshot


def test_no_follow_up_more_than_thirty_days_after_the_case_closed(world, parties):
    agency, provider, enterprise = parties
    _code, visit_id, case_id = bad_review(world, parties, level=2, flags=())
    post(world, agency, f"/api/v1/cases/{case_id}/contact", {"note": "已回访"})
    post(world, agency, f"/api/v1/cases/{case_id}/close", {"note": "办结"})
    move_clock(days=31)
    world.sign_in_again(enterprise)

    assert get_case(world, enterprise, case_id)["followup_allowed"] is False
    assert_error(post(world, enterprise, f"/api/v1/visits/{visit_id}/followup-rating", {"level": 4}), 409)
