"""Browser fixtures: the app served for real on 127.0.0.1, Debian's chromium driven by Playwright.

These tests run in their own pytest invocation (``make test-browser``); ``make test`` ignores this
folder so the SQLite and PostgreSQL suites stay fast. Chromium is the distribution's package
(``apt-get install chromium fonts-wqy-microhei``), never a browser downloaded by Playwright: the
machines that run these tests have no route to a browser download.

Every screen a test visits is saved as a full-page screenshot under ``test-output/screenshots/``
(named by step), for people to look at.
"""
import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from server import clock
from server.extensions import db
from tests.browser.helpers import PHONE_WIDTH
from tests.conftest import NOW, empty_all_tables, make_app
from tests.factories import World

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The network of CI machines is closed: without the last five, chromium waits on lookups that
# never answer (component updates, sync, QUIC probes).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
# Long enough for a slow CI machine, short enough that a missing element fails the test quickly.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def screenshot_dir():
    """``test-output/screenshots/``, emptied of the previous run's pictures."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    return SCREENSHOTS


@pytest.fixture
def shoot(screenshot_dir):
    """``shoot(page, "01-scan-anonymous")`` saves a full-page screenshot and returns its path."""
    def save(page, name):
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
    return save


class LiveServer:
    """The app behind a real HTTP server on a free port of 127.0.0.1, in a thread."""

    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # The QR codes and code URLs must open on this server, not on the production host.
        app.config["PUBLIC_BASE_URL"] = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture
def live_server(_migrated):
    """A fresh app on the migrated test database (tables emptied, clock frozen at Shanghai
    2026-12-03 10:00, as for every other test), served on 127.0.0.1 with PUBLIC_BASE_URL pointing
    at itself."""
    app = make_app(_migrated)
    with app.app_context():
        empty_all_tables()
    clock.set_now(NOW)
    server = LiveServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        clock.set_now(None)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def world(live_server):
    """The same factories as the other suites, writing to the database the live server reads."""
    return World(live_server.app, live_server.app.test_client())


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-wqy-microhei")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _context(browser, **options):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def phone(browser):
    """A page in a phone-sized context (375×812 CSS px, 2× pixels, touch), as the enterprise and
    the provider use the system."""
    context = _context(browser, viewport={"width": PHONE_WIDTH, "height": 812}, device_scale_factor=2,
                       is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser):
    """A page in a desktop-sized context (1280×900), as the agency's console is used."""
    context = _context(browser, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()

