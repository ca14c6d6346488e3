"""/api/v1/admin: organisations and accounts."""
import pytest

from server.models import Organisation, User
from tests.factories import PASSWORD, assert_error, make_uscc

# A real-looking USCC with a correct GB 32100-2015 check digit, and the same with a wrong one.
GOOD_USCC = make_uscc("9", 777)
BAD_USCC = GOOD_USCC[:-1] + ("0" if GOOD_USCC[-1] != "0" else "1")


def test_admin_registers_an_organisation(world):
    response = world.client.post("/api/v1/admin/orgs", headers=world.admin, json={
        "kind": "enterprise", "uscc": GOOD_USCC.lower(), "name": "  海宁市金潮化纤有限公司 ", "contact_phone": "0573-87990001"})

    assert response.status_code == 201
    body = response.get_json()
    assert body == {"id": body["id"], "kind": "enterprise", "uscc": GOOD_USCC, "name": "海宁市金潮化纤有限公司",
                    "contact_phone": "0573-87990001"}


INVALID_ORGS = [
    ({"uscc": BAD_USCC}, {"uscc"}),
    ({"uscc": GOOD_USCC[:17]}, {"uscc"}),
    ({"uscc": "ABCDEFGHIJKLMNOPQR"}, {"uscc"}),
    ({"kind": "platform"}, {"kind"}),
    ({"kind": "bank"}, {"kind"}),
    ({"name": ""}, {"name"}),
    ({"contact_phone": "call me"}, {"contact_phone"}),
    ({"uscc": None}, {"uscc"}),
]


def test_invalid_organisation_is_422_and_stores_nothing(world, subtests):
    before = world.snapshot()

    for changes, fields in INVALID_ORGS:
        with subtests.test(changes=changes):
            body = {"kind": "enterprise", "uscc": GOOD_USCC, "name": "海宁市金潮化纤有限公司", **changes}
            assert_error(world.client.post("/api/v1/admin/orgs", headers=world.admin, json=body), 422, fields)
            assert world.snapshot() == before


def test_registered_uscc_is_409_and_stores_nothing(world):
    enterprise = world.enterprise()
    before = world.snapshot()

    response = world.client.post("/api/v1/admin/orgs", headers=world.admin, json={
        "kind": "provider", "uscc": enterprise.uscc, "name": "同码机构"})

    assert_error(response, 409)
    assert world.snapshot() == before


def test_only_admins_register_organisations(world):
    agency = world.agency()
    before = world.count(Organisation)

    assert_error(world.client.post("/api/v1/admin/orgs", headers=agency.headers, json={
        "kind": "enterprise", "uscc": GOOD_USCC, "name": "海宁市金潮化纤有限公司"}), 403)
    assert_error(world.client.post("/api/v1/admin/orgs", json={
        "kind": "enterprise", "uscc": GOOD_USCC, "name": "海宁市金潮化纤有限公司"}), 401)
    assert world.count(Organisation) == before


def test_admin_creates_an_account_without_echoing_the_password(world):
    enterprise = world.enterprise()

    response = world.client.post("/api/v1/admin/users", headers=world.admin, json={
        "username": "guard.zhang", "password": "gate-keeper-42", "role": "enterprise", "org_uscc": enterprise.uscc})

    assert response.status_code == 201
    body = response.get_json()
    assert body == {"id": body["id"], "username": "guard.zhang", "role": "enterprise", "org_id": enterprise.id,
                    "active": True}
    token = world.client.post("/api/v1/auth/token", json={"username": "guard.zhang", "password": "gate-keeper-42"})
    assert (token.get_json()["role"], token.get_json()["org_id"]) == ("enterprise", enterprise.id)


INVALID_ACCOUNTS = [
    ({"role": "provider"}, {"role"}),            # does not fit an enterprise
    ({"role": "admin"}, {"role"}),
    ({"role": "boss"}, {"role"}),
    ({"password": "short"}, {"password"}),
    ({"username": "a b"}, {"username"}),
    ({"org_uscc": BAD_USCC}, {"org_uscc"}),
    ({"org_uscc": GOOD_USCC}, {"org_uscc"}),     # valid, but no such organisation
]


def test_invalid_account_is_422_and_stores_nothing(world, subtests):
    enterprise = world.enterprise()
    before = world.snapshot()

    for changes, fields in INVALID_ACCOUNTS:
        with subtests.test(changes=changes):
            body = {"username": "guard.zhang", "password": "gate-keeper-42", "role": "enterprise",
                    "org_uscc": enterprise.uscc, **changes}
            assert_error(world.client.post("/api/v1/admin/users", headers=world.admin, json=body), 422, fields)
            assert world.snapshot() == before


@pytest.mark.parametrize("spelling", [str, str.upper, str.capitalize])
def test_taken_username_is_409_in_any_capitals_and_stores_nothing(world, spelling):
    enterprise = world.enterprise()
    before = world.count(User)

    response = world.client.post("/api/v1/admin/users", headers=world.admin, json={
        "username": spelling(enterprise.username), "password": "gate-keeper-42", "role": "enterprise",
        "org_uscc": enterprise.uscc})

    assert_error(response, 409)
    assert world.count(User) == before


def test_sign_in_ignores_the_capitals_of_the_username_but_not_of_the_password(world):
    enterprise = world.enterprise()

    assert world.client.post("/api/v1/auth/token", json={
        "username": enterprise.username.upper(), "password": PASSWORD}).get_json()["org_id"] == enterprise.id
    assert_error(world.client.post("/api/v1/auth/token", json={
        "username": enterprise.username.upper(), "password": PASSWORD.upper()}), 401)


def test_only_admins_create_accounts(world):
    enterprise = world.enterprise()
    before = world.count(User)

    assert_error(world.client.post("/api/v1/admin/users", headers=enterprise.headers, json={
        "username": "sneaky", "password": "gate-keeper-42", "role": "enterprise", "org_uscc": enterprise.uscc}), 403)
    assert world.count(User) == before
