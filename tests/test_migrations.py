"""Migrations: one Alembic head, a clean upgrade from an empty database, and a schema that matches
the models afterwards (what ``flask db check`` checks).

The upgrade runs on a new SQLite file always, and on a freshly created PostgreSQL database when one
is available: the server of DATABASE_URL when that points at PostgreSQL, otherwise a server at
127.0.0.1:5432 if one answers. Where no PostgreSQL server exists, that case is not generated.
"""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from server import ROOT
from server.extensions import db
from tests.conftest import make_app

MIGRATIONS = os.path.join(ROOT, "migrations")
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def _sqlalchemy_postgres_url(url):
    """A PostgreSQL URL with the psycopg 3 driver (the one requirements.txt installs)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    return make_url(url).set(drivername="postgresql+psycopg")


def _postgres_server():
    """The PostgreSQL server to create a throwaway database on, or None when there is none."""
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql")):
        # The suite runs on PostgreSQL: its server must take part (and fail loudly if it cannot).
        return _sqlalchemy_postgres_url(configured)
    url = _sqlalchemy_postgres_url(LOCAL_POSTGRES)
    engine = create_engine(url, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return url
    except OperationalError:
        return None
    finally:
        engine.dispose()


POSTGRES_SERVER = _postgres_server()
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_SERVER is not None else [])


def test_migrations_have_exactly_one_head():
    heads = ScriptDirectory(MIGRATIONS).get_heads()
    assert len(heads) == 1, f"several Alembic heads, merge them: {heads}"


@pytest.fixture
def empty_database(request, tmp_path):
    """The URL of a database with nothing in it, of the backend named by ``request.param``."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"fwm_migration_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_SERVER.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.parametrize("empty_database", BACKENDS, indirect=True)
def test_upgrade_from_empty_database_gives_the_schema_of_the_models(empty_database):
    app = make_app(empty_database)
    head = ScriptDirectory(MIGRATIONS).get_current_head()
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                assert inspect(connection).get_table_names() == []
            upgrade()
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                revision = context.get_current_revision()
                differences = compare_metadata(context, db.metadata)
                tables = set(inspect(connection).get_table_names())
        finally:
            db.session.remove()
            db.engine.dispose()
    assert revision == head
    assert tables == set(db.metadata.tables) | {"alembic_version"}
    assert differences == [], "models and migrations differ; autogenerate a migration:\n" + "\n".join(
        map(repr, differences))
