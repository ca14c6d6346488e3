"""What people type, bounded at the field: business dates 2000–2099, row ids 1 … 2^31-1, text that
is visible and printable, JSON the parser can read — 4xx in the one error shape, nothing stored,
never a 500."""
from datetime import date

import pytest

from server.extensions import db
from server.models import ServiceCode
from tests.factories import PASSWORD, assert_error

HUGE = 2**70


def _chinese(body, field):
    texts = body["errors"][field]
    assert all(not text.isascii() for text in texts), texts
    return texts


# ---- A. business dates ----------------------------------------------------------------------

@pytest.mark.parametrize("field, value", [
    ("end_date", "9999-12-31"), ("end_date", "2100-01-01"), ("start_date", "1999-12-31"), ("start_date", "0001-01-01")])
def test_commission_dates_outside_2000_2099_are_refused_at_the_field(world, field, value):
    agency, provider = world.agency(), world.provider()
    before = world.snapshot()
    body = {"provider_uscc": provider.uscc, "category": "安全生产咨询", "scope_items": ["安全培训"],
            "start_date": "2026-11-01", "end_date": "2027-10-31", field: value}

    response = world.client.post("/api/v1/commissions", json=body, headers=agency.headers)

    assert "2099-12-31" in _chinese(assert_error(response, 422, {field}), field)[0]
    assert world.snapshot() == before


@pytest.mark.parametrize("field", ["valid_from", "valid_until"])
def test_code_validity_outside_2000_2099_is_refused_at_the_field(world, field):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    commission = world.commission(agency, provider)
    before = world.snapshot()

    response = world.apply(provider, commission, enterprise, **{field: date(9999, 12, 31)})

    _chinese(assert_error(response, 422, {field}), field)
    assert world.snapshot() == before


def test_stats_period_outside_2000_2099_is_refused_at_the_field(world):
    agency = world.agency()

    response = world.client.get("/api/v1/stats/satisfaction?from=1999-01-01&to=2026-01-01", headers=agency.headers)

    _chinese(assert_error(response, 422, {"from"}), "from")


def test_a_code_stored_with_a_far_validity_still_approves_and_lists(world):
    """Rows stored before the dates were bounded: the day's end is an instant, never an overflow."""
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise, approve=False)
    with world.app.app_context():
        db.session.get(ServiceCode, code["id"]).valid_until = date(9999, 12, 31)
        db.session.commit()

    approved = world.client.post(f"/api/v1/codes/{code['id']}/approve", headers=agency.headers)
    listed = world.client.get("/api/v1/codes", headers=provider.headers)

    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "active"
    assert listed.status_code == 200 and listed.get_json()[0]["valid_until"] == "9999-12-31"


# ---- B. ids and counts beyond a row's range -------------------------------------------------

def test_ids_beyond_a_rows_range_in_a_code_application_are_refused_at_their_field(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    commission = world.commission(agency, provider)
    before = world.snapshot()

    by_staff = world.apply(provider, commission, enterprise, staff_ids=[HUGE])
    by_commission = world.apply(provider, {"id": HUGE}, enterprise)
    by_zero = world.apply(provider, {"id": 0}, enterprise)

    _chinese(assert_error(by_staff, 422, {"staff_ids"}), "staff_ids")
    _chinese(assert_error(by_commission, 422, {"commission_id"}), "commission_id")
    _chinese(assert_error(by_zero, 422, {"commission_id"}), "commission_id")
    assert world.snapshot() == before


@pytest.mark.parametrize("budget", [HUGE, 0, 100_001, "5"])
def test_a_visit_budget_out_of_range_is_refused_at_the_field(world, budget):
    agency, provider = world.agency(), world.provider()
    before = world.snapshot()
    body = {"provider_uscc": provider.uscc, "category": "安全生产咨询", "scope_items": ["安全培训"],
            "start_date": "2026-11-01", "end_date": "2027-10-31", "visit_budget": budget}

    response = world.client.post("/api/v1/commissions", json=body, headers=agency.headers)

    _chinese(assert_error(response, 422, {"visit_budget"}), "visit_budget")
    assert world.snapshot() == before


def test_marking_a_message_beyond_a_rows_range_read_is_refused_at_the_field(world):
    agency = world.agency()

    response = world.client.post("/api/v1/notifications/read", json={"id": HUGE}, headers=agency.headers)

    _chinese(assert_error(response, 422, {"id"}), "id")


# ---- C. JSON nested deeper than the parser goes ---------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/verifications", "/api/v1/auth/token", "/api/v1/codes"])
def test_json_nested_fifty_thousand_deep_is_a_bad_json_400(world, path):
    before = world.snapshot()

    response = world.client.post(path, data="[" * 50_000 + "]" * 50_000, content_type="application/json",
                                 headers=world.admin)

    assert "JSON" in assert_error(response, 400)["message"]
    assert world.snapshot() == before


# ---- D. Chinese messages --------------------------------------------------------------------

def test_five_flags_on_a_rating_are_refused_in_chinese(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    _code, visit_id = world.completed_visit(agency, provider, enterprise)
    before = world.snapshot()

    response = world.rate(enterprise, visit_id, 3, flags=["out_of_scope", "forced_sales", "no_show", "misconduct",
                                                        "no_show"])

    assert _chinese(assert_error(response, 422, {"flags"}), "flags") == ["问题标记最多 4 项"]
    assert world.snapshot() == before


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400", '"abc"', "null"])
def test_a_threshold_that_is_not_a_finite_number_is_refused_in_chinese(world, value):
    agency = world.agency()
    before = world.snapshot()

    response = world.client.put("/api/v1/exit-rules", data=f'{{"warn_below": {value}}}',
                                content_type="application/json", headers=agency.headers)

    _chinese(assert_error(response, 422, {"warn_below"}), "warn_below")
    assert world.snapshot() == before


def test_wrong_types_and_unknown_fields_are_refused_in_chinese(world):
    provider = world.provider()

    response = world.client.post("/api/v1/staff", json={"name": 5, "phone": None, "title": [], "age": 40},
                                 headers=provider.headers)

    body = assert_error(response, 422, {"name", "phone", "title", "age"})
    for field in body["errors"]:
        _chinese(body, field)


# ---- E. blank, invisible and unprintable text ------------------------------------------------

@pytest.mark.parametrize("body, field", [
    ({"name": "  ", "phone": "13800000000"}, "name"),
    ({"name": "\u200b", "phone": "13800000000"}, "name"),
    ({"name": "\ufeff \u200d", "phone": "13800000000"}, "name"),
    ({"name": "罗\x00芳", "phone": "13800000000"}, "name"),
    ({"name": "罗\n芳", "phone": "13800000000"}, "name"),
    ({"name": "罗芳", "phone": "     "}, "phone"),
    ({"name": "罗芳", "phone": "-----"}, "phone"),
    ({"name": "罗芳", "phone": "(+1) 2-3"}, "phone"),
    ({"name": "罗芳", "phone": "13800000000", "title": "工程师\x1b"}, "title"),
    # Bidirectional overrides would show the text in another order than it is stored.
    ({"name": "罗\u202e芳", "phone": "13800000000"}, "name"),
    ({"name": "罗芳", "phone": "13800000000", "title": "工\u2066程师"}, "title"),
])
def test_staff_with_blank_invisible_or_unprintable_text_is_refused(world, body, field):
    provider = world.provider(staff=())
    before = world.snapshot()

    response = world.client.post("/api/v1/staff", json=body, headers=provider.headers)

    _chinese(assert_error(response, 422, {field}), field)
    assert world.snapshot() == before


def test_staff_text_is_stored_without_its_invisible_ends(world):
    provider = world.provider(staff=())

    response = world.client.post("/api/v1/staff", headers=provider.headers,
                                 json={"name": "\u200b 罗芳\u3000", "phone": " 0573-8701 1234 ", "title": "  "})

    assert response.status_code == 201, response.get_json()
    assert {key: response.get_json()[key] for key in ("name", "phone", "title")} == {
        "name": "罗芳", "phone": "0573-8701 1234", "title": None}


def _bad_review_case(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    _code, visit_id = world.completed_visit(agency, provider, enterprise)
    assert world.rate(enterprise, visit_id, 1).status_code == 201
    case_id = world.client.get("/api/v1/cases", headers=agency.headers).get_json()[0]["id"]
    return provider, case_id


@pytest.mark.parametrize("note", ["\u200b", " \n ", "整改\x00完成"])
def test_a_blank_or_unprintable_rectification_note_is_refused(world, note):
    provider, case_id = _bad_review_case(world)
    before = world.snapshot()

    response = world.client.post(f"/api/v1/cases/{case_id}/rectification", json={"note": note},
                                 headers=provider.headers)

    _chinese(assert_error(response, 422, {"note"}), "note")
    assert world.snapshot() == before


def test_a_rectification_note_may_run_over_several_lines(world):
    provider, case_id = _bad_review_case(world)

    response = world.client.post(f"/api/v1/cases/{case_id}/rectification", json={"note": "一、已培训\n二、已整改\n"},
                                 headers=provider.headers)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["notes"]["rectification"] == "一、已培训\n二、已整改"


@pytest.mark.parametrize("password", [" " * 8, "\u3000" * 8, "\u200b" * 8])
def test_a_password_of_spaces_is_refused(world, password):
    enterprise = world.enterprise()
    before = world.snapshot()

    response = world.client.post("/api/v1/admin/users", headers=world.admin, json={
        "username": "blank-password", "password": password, "role": "enterprise", "org_uscc": enterprise.uscc})

    _chinese(assert_error(response, 422, {"password"}), "password")
    assert world.snapshot() == before


def test_a_password_with_spaces_inside_is_kept_as_typed(world):
    enterprise = world.enterprise()

    response = world.client.post("/api/v1/admin/users", headers=world.admin, json={
        "username": "spaced", "password": " " + PASSWORD + " ", "role": "enterprise", "org_uscc": enterprise.uscc})

    assert response.status_code == 201, response.get_json()
    assert world.client.post("/api/v1/auth/token", json={"username": "spaced", "password": PASSWORD}).status_code == 401
    world.login("spaced", " " + PASSWORD + " ")


def test_a_blank_reason_is_refused_at_the_field(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise, approve=False)
    before = world.snapshot()

    response = world.client.post(f"/api/v1/codes/{code['id']}/reject", json={"reason": "\u200b "},
                                 headers=agency.headers)

    _chinese(assert_error(response, 422, {"reason"}), "reason")
    assert world.snapshot() == before


# ---- F. a blank scope item asks nothing -----------------------------------------------------

@pytest.mark.parametrize("scope_item", ["", "  ", "\u200b", None])
def test_a_blank_scope_item_is_not_asked_about(world, scope_item):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise)

    response = world.client.post("/api/v1/verifications", json={"token": code["url"], "scope_item": scope_item})

    assert response.status_code == 200
    assert (response.get_json()["valid"], response.get_json()["reason"]) == (True, "ok")


def test_a_scope_item_is_compared_without_its_invisible_ends(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise)

    inside = world.verify(code["url"], scope_item=" 安全培训\u200b")
    outside = world.verify(code["url"], scope_item="设备检测")

    assert inside["reason"] == "ok"
    assert outside["reason"] == "out_of_scope"
