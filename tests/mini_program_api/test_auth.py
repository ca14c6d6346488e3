"""POST /api/v1/auth/token and the Bearer guard of every resource."""

from server.domain import signing
from tests.conftest import KEYS, make_app, move_clock
from tests.factories import PASSWORD, assert_error


def test_sign_in_returns_a_bearer_token_with_role_and_organisation(world):
    provider = world.provider()

    response = world.client.post("/api/v1/auth/token", json={"username": provider.username, "password": PASSWORD})

    assert response.status_code == 200
    body = response.get_json()
    assert body == {"access_token": body["access_token"], "token_type": "Bearer", "expires_in": 8 * 3600,
                    "role": "provider", "org_id": provider.id}
    assert signing.read_access(KEYS, body["access_token"], 8 * 3600) == world.user_id(provider)


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


def test_sign_in_is_rate_limited_per_address(app):
    limited = make_app(app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_ENABLED=True,
                       RATELIMIT_STORAGE_URI="memory://")
    client = limited.test_client()
    try:
        statuses = [client.post("/api/v1/auth/token", json={"username": "nobody", "password": "wrong-password"}).status_code
                    for _ in range(10)]
        blocked = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "wrong-password"})
    finally:
        with limited.app_context():
            from server.extensions import db
            db.engine.dispose()

    assert statuses == [401] * 10
    assert_error(blocked, 429)
