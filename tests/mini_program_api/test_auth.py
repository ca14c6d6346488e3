"""POST /api/v1/auth/token and the Bearer guard of every resource."""

import pytest
from sqlalchemy import select

from server.domain import signing
from server.extensions import db
from tests.conftest import KEYS, make_app, move_clock
from tests.factories import PASSWORD, assert_error


def test_sign_in_returns_a_bearer_token_with_role_and_organisation(world):
    provider = world.provider()

    response = world.client.post("/api/v1/auth/token", json={"username": provider.username, "password": PASSWORD})

    assert response.status_code == 200
    body = response.get_json()
    assert body == {"access_token": body["access_token"], "token_type": "Bearer", "expires_in": 8 * 3600,
                    "role": "provider", "org_id": provider.id}
    user_id, fingerprint = signing.read_access(KEYS, body["access_token"], 8 * 3600)
    assert user_id == world.user_id(provider) and len(fingerprint) == 12


def test_wrong_credentials_are_401(world, subtests):
    provider = world.provider()

    for username, password in (("provider-nobody", PASSWORD), (provider.username, "wrong-password-1"),
                               (provider.username, PASSWORD.upper())):
        with subtests.test(username=username, password=password):
            response = world.client.post("/api/v1/auth/token", json={"username": username, "password": password})
            body = assert_error(response, 401)
            assert body["message"] == "用户名或密码错误"


def test_incomplete_sign_in_is_422(world, subtests):
    for body, fields in (({}, {"username", "password"}), ({"username": "someone"}, {"password"}),
                         ({"username": "", "password": "x"}, {"username"})):
        with subtests.test(body=body):
            assert_error(world.client.post("/api/v1/auth/token", json=body), 422, fields)


def test_sign_in_that_is_not_json_is_400(world):
    assert_error(world.client.post("/api/v1/auth/token", data="username=a&password=b",
                                   content_type="application/x-www-form-urlencoded"), 400)


def test_a_wrong_authorization_header_is_401(world, subtests):
    for header in ("Bearer not-a-token", "Bearer ", "Basic YWRtaW46cGFzc3dvcmQ=", "Token abc", "bearer"):
        with subtests.test(header=header):
            response = world.client.get("/api/v1/codes", headers={"Authorization": header})
            assert_error(response, 401)
            assert response.headers["WWW-Authenticate"] == "Bearer"


def test_missing_sign_in_is_401(world):
    assert_error(world.client.get("/api/v1/codes"), 401)


def test_access_token_expires_after_eight_hours(world):
    agency = world.agency()

    move_clock(hours=8)
    assert world.client.get("/api/v1/codes", headers=agency.headers).status_code == 200
    move_clock(seconds=1)
    assert_error(world.client.get("/api/v1/codes", headers=agency.headers), 401)


def test_code_token_is_no_access_token(world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise)

    token = code["url"].rsplit("/c/", 1)[1]
    assert_error(world.client.get("/api/v1/codes", headers={"Authorization": f"Bearer {token}"}), 401)


@pytest.fixture
def limited_app(app):
    """The app with rate limits on (the other tests run without them), in-memory counters."""
    def build(**overrides):
        built = make_app(app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_ENABLED=True,
                         RATELIMIT_STORAGE_URI="memory://", **overrides)
        apps.append(built)
        return built

    apps = []
    yield build
    for built in apps:
        with built.app_context():
            db.engine.dispose()


def _try_sign_in(client, username, password="wrong-password", **headers):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       headers=headers).status_code


def test_failed_sign_ins_are_limited_per_account(world, limited_app):
    provider = world.provider()
    client = limited_app().test_client()

    assert [_try_sign_in(client, provider.username) for _ in range(10)] == [401] * 10
    # The account is locked for a minute, whatever the password; other accounts are not.
    assert_error(client.post("/api/v1/auth/token", json={"username": provider.username.upper(), "password": PASSWORD}),
                 429)
    assert _try_sign_in(client, "someone-else") == 401


def test_failed_sign_ins_are_limited_per_address_and_successes_do_not_count(world, limited_app):
    provider = world.provider()
    client = limited_app().test_client()

    assert [_try_sign_in(client, provider.username, PASSWORD) for _ in range(40)] == [200] * 40
    assert [_try_sign_in(client, f"nobody-{n}") for n in range(30)] == [401] * 30
    assert _try_sign_in(client, "nobody-31") == 429
    assert _try_sign_in(client, provider.username, PASSWORD) == 429


def test_behind_a_trusted_proxy_the_limit_counts_per_client_address(world, limited_app):
    client = limited_app(TRUSTED_PROXIES=1).test_client()

    assert [_try_sign_in(client, f"nobody-{n}", X_Forwarded_For="203.0.113.7") for n in range(30)] == [401] * 30
    assert _try_sign_in(client, "nobody-31", X_Forwarded_For="203.0.113.7") == 429
    # Another client behind the same load balancer is not locked out by the first.
    assert _try_sign_in(client, "nobody-32", X_Forwarded_For="203.0.113.8") == 401


def test_a_password_reset_ends_the_old_access_tokens(app, world):
    from server.domain.orgs import reset_password
    from server.models import User

    enterprise = world.enterprise()
    old, user_id = enterprise.headers, world.user_id(enterprise)
    assert world.client.get("/api/v1/visits", headers=old).status_code == 200
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        reset_password(admin, user_id, "new-secret-42")
        db.session.commit()

    assert_error(world.client.get("/api/v1/visits", headers=old), 401)
    # At the door the old token no longer speaks for the enterprise: the scan is anonymous.
    verdict = world.client.post("/api/v1/verifications", json={"token": "garbage"}, headers=old).get_json()
    assert verdict["viewer"] == "anonymous"
    fresh = world.login(enterprise.username, "new-secret-42")
    assert world.client.get("/api/v1/visits", headers=fresh).status_code == 200
