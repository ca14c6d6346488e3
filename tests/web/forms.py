"""What the page tests do as a browser would: read the CSRF token a page carries, sign in through
the form, post a form with the session's token."""
import re

from tests.factories import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(browser, path="/login"):
    """The CSRF token of the form on ``path`` (a page of the signed-in session)."""
    return CSRF.search(browser.get(path).get_data(as_text=True)).group(1)


def sign_in(browser, username, password=PASSWORD, next_path=None):
    """Submit the sign-in form; returns the response (302 on success, the form again otherwise)."""
    data = {"username": username, "password": password, "csrf_token": csrf_token(browser)}
    if next_path is not None:
        data["next"] = next_path
    return browser.post("/login", data=data)


def signed_in(browser, username):
    """``browser`` after a successful sign-in as ``username``."""
    response = sign_in(browser, username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def post_form(browser, path, data=None, page="/notifications"):
    """POST to ``path`` with the CSRF token of ``page``, as the browser submitting its form would."""
    return browser.post(path, data={"csrf_token": csrf_token(browser, page), **(data or {})})


def html_of(response):
    return response.get_data(as_text=True)
