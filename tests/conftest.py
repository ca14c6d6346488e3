"""Fixtures: one migrated database per run, emptied before every test; factory fixtures.

The database is SQLite in a temporary folder unless DATABASE_URL points elsewhere (CI runs the
suite again against PostgreSQL and Redis with DATABASE_URL and REDIS_URL set).
"""
import os
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from server import clock, create_app
from server.extensions import db

KEYS = ["test-key-older", "test-key-newest"]
BASE_URL = "https://fwm.hnzwfw.gov.cn"
PASSWORD = "correct-horse-9"

# Shanghai 2026-12-03 10:00 — a Thursday, inside every default window below.
NOW = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)


def _database_url(tmp_path_factory):
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return _database_url(tmp_path_factory)


def make_app(database_url, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEYS": KEYS,
        "PUBLIC_BASE_URL": BASE_URL,
        "RATELIMIT_ENABLED": False,
        # scrypt costs ~0.1 s a hash; tests create many accounts. Production keeps scrypt.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
    }
    if database_url.startswith("postgresql"):
        # Tests commit hundreds of times; waiting for each WAL flush buys nothing for a throwaway
        # database. Production keeps PostgreSQL's default.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": "-c synchronous_commit=off"}}
    config.update(overrides)
    # create_app reads DATABASE_URL itself too; the test config wins.
    return create_app(config)


@pytest.fixture(scope="session")
def _migrated(database_url):
    """Build the schema once, the only way production builds it: ``flask db upgrade``."""
    from flask_migrate import upgrade

    app = make_app(database_url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # CI hands us a fresh database; a developer's may hold an older run's schema.
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        db.session.remove()
        db.engine.dispose()
    return database_url


def empty_all_tables():
    """Delete every row (not the schema), so each test starts from an empty database."""
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        # DELETE and a sequence reset take ~10 ms here; TRUNCATE of every table takes ~150 ms.
        for table in tables:
            db.session.execute(text(f"DELETE FROM {table}"))
        resets = ", ".join(f"setval(pg_get_serial_sequence('{table}', 'id'), 1, false)"
                           for table in tables if "id" in db.metadata.tables[table].c)
        db.session.execute(text(f"SELECT {resets}"))
    else:
        for table in tables:
            db.session.execute(text(f"DELETE FROM {table}"))
    db.session.commit()


@pytest.fixture
def app(_migrated):
    app = make_app(_migrated)
    with app.app_context():
        empty_all_tables()
    clock.set_now(NOW)
    yield app
    clock.set_now(None)
    with app.app_context():
        db.session.remove()
        # Every test builds its own app and so its own engine: close its pooled connections, or a
        # PostgreSQL run runs out of connections ("too many clients") after about a hundred tests.
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context for tests that call domain functions directly."""
    with app.app_context():
        yield
        db.session.rollback()


def move_clock(**delta):
    """Move the frozen clock by a timedelta's keywords (days=…, hours=…)."""
    clock.set_now(clock.now() + timedelta(**delta))


def set_clock_shanghai(year, month, day, hour=10, minute=0):
    """Freeze the clock at a wall-clock time in Asia/Shanghai."""
    clock.set_now(datetime(year, month, day, hour, minute, tzinfo=clock.BUSINESS_TZ))


from tests.factories import World  # noqa: E402  (factories need the fixtures' helpers above)


@pytest.fixture
def world(app, client):
    """A factory for organisations, accounts, commissions and codes, driven through the phone API
    where the API can do it, so that tests exercise what clients exercise."""
    return World(app, client)


__all__ = ["BASE_URL", "KEYS", "NOW", "PASSWORD", "date", "move_clock", "set_clock_shanghai"]
