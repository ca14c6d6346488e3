"""What every route and response gets: bounded row ids, security headers, cookie settings."""
import pytest

from tests.conftest import make_app
from tests.factories import assert_error
from tests.web.forms import sign_in

HUGE = str(2**70)


@pytest.mark.parametrize("method, path", [
    ("GET", f"/api/v1/codes/{HUGE}"), ("POST", f"/api/v1/codes/{HUGE}/approve"),
    ("POST", f"/api/v1/visits/{HUGE}/rating"), ("GET", f"/api/v1/cases/{HUGE}"),
    ("GET", "/api/v1/codes/2147483648"),
])
def test_an_id_no_row_can_have_is_not_found_in_the_api(world, method, path):
    agency = world.agency()

    response = world.client.open(path, method=method, headers=agency.headers, json={"level": 5})

    assert_error(response, 404)


@pytest.mark.parametrize("role, path", [
    ("provider", f"/provider/codes/{HUGE}"), ("agency", f"/agency/cases/{HUGE}/close"),
    ("admin", f"/admin/users/{HUGE}/disable"), ("enterprise", "/enterprise/visits/2147483648/rate"),
])
def test_an_id_no_row_can_have_is_a_page_not_found(app, world, role, path):
    browser = app.test_client()
    username = "admin" if role == "admin" else getattr(world, role)().username
    assert sign_in(browser, username).status_code == 302

    response = browser.open(path, method="POST" if path.endswith(("close", "disable")) else "GET")

    # A POST without its CSRF token is refused before routing matters; either way nothing is found.
    assert response.status_code in (404, 400) and "Traceback" not in response.get_data(as_text=True)
    if response.status_code == 404:
        assert "找不到该页面或记录" in response.get_data(as_text=True)


def test_the_largest_possible_id_still_routes(world):
    agency = world.agency()

    assert world.client.get("/api/v1/codes/2147483647", headers=agency.headers).get_json()["message"] == "服务码不存在"


def test_every_response_refuses_to_be_framed(client):
    for path in ("/login", "/api/v1/openapi.json", "/healthz", "/c/garbage"):
        headers = client.get(path).headers
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Content-Security-Policy"] == "frame-ancestors 'none'"
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_same_site_and_secure_behind_https(app, world):
    browser = app.test_client()
    response = sign_in(browser, world.agency().username)
    cookie = response.headers["Set-Cookie"]
    # The tests' PUBLIC_BASE_URL is https://…: the cookie never travels over plain http.
    assert "SameSite=Lax" in cookie and "Secure" in cookie and "HttpOnly" in cookie


def test_plain_http_demo_keeps_the_cookie_usable(app):
    demo = make_app(app.config["SQLALCHEMY_DATABASE_URI"], PUBLIC_BASE_URL="http://127.0.0.1:5000")
    try:
        assert demo.config["SESSION_COOKIE_SECURE"] is False
        assert demo.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    finally:
        with demo.app_context():
            from server.extensions import db
            db.engine.dispose()
