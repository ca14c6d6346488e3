"""What the browser tests do on many pages: sign in, check that a phone page fits its screen."""
from tests.factories import PASSWORD

PHONE_WIDTH = 375


def sign_in(page, username, password=PASSWORD):
    """Fill the sign-in form the page shows and submit it; waits for the page after sign-in."""
    page.locator("#f-username").fill(username)
    page.locator("#f-password").fill(password)
    with page.expect_navigation():
        page.locator('main form[action="/login"] button[type="submit"]').click()


def assert_no_sideways_scroll(page, width=PHONE_WIDTH):
    """Nothing on the page is wider than the phone's screen."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways: scrollWidth {scroll_width} > {width}"


def assert_labels_fit(page):
    """Every label of a label/value list (``dl.kv``) fits its column instead of running into the value."""
    overflowing = page.evaluate("""() => [...document.querySelectorAll('.kv dt')]
        .filter(dt => dt.scrollWidth > dt.clientWidth).map(dt => dt.textContent.trim())""")
    assert overflowing == [], f"{page.url}: labels wider than their column: {overflowing}"
