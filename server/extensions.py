"""Unbound extensions; ``create_app`` binds them."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def _is_sqlite(dbapi_connection):
    return type(dbapi_connection).__module__.split(".")[0] in ("sqlite3", "pysqlite2")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, wait for locks instead of failing, WAL for concurrent readers."""
    if not _is_sqlite(dbapi_connection):
        return
    # Let SQLAlchemy, not the driver, open transactions (see _sqlite_begin_immediate); this also
    # makes SAVEPOINTs behave.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL keeps the database consistent on a crash and only risks the last commit
    # on power loss; FULL would fsync on every commit of every scan.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


#: Execution option of a transaction that will not write: ``db.session.connection(execution_options=
#: {READ_ONLY: True})`` as its first statement.
READ_ONLY = "service_codes_read_only"


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(connection):
    """SQLite: take the write lock when a transaction starts. A deferred transaction that reads and
    then writes fails with "database is locked" when another writer committed in between; an
    immediate one waits its turn (busy_timeout) instead. Row locks (SELECT … FOR UPDATE) do the
    same job on PostgreSQL."""
    if connection.dialect.name == "sqlite":
        # A transaction that only reads (READ_ONLY below) starts deferred: with WAL it never waits
        # for, nor holds up, a writer.
        deferred = connection.get_execution_options().get(READ_ONLY)
        connection.exec_driver_sql("BEGIN DEFERRED" if deferred else "BEGIN IMMEDIATE")


def read_rows(statement, params):
    """The rows of a read that needs no write lock.

    For the scan at the door: on SQLite the session's transactions take the write lock at once
    (above), so a scan that read inside one would queue behind every other scan for its whole
    duration. When the session has no transaction yet, the read runs on a pooled connection of its
    own, deferred (with WAL it neither waits for nor holds up a writer), and the session's
    transaction is only the insert of the scan record. Inside a transaction already begun (a page
    whose sign-in was read, seeding that has not committed) it reads there, seeing that
    transaction's own rows.
    """
    if db.session().in_transaction():
        return db.session.connection().execute(statement, params).all()
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # One statement, one round trip: no BEGIN/COMMIT around it. And no ROLLBACK when the
            # pool takes the connection back, on which psycopg forgets its prepared statements —
            # PostgreSQL then plans the scan's ten-table join afresh, ~2 ms each time.
            connection.execution_options(isolation_level="AUTOCOMMIT")
        else:
            connection.execution_options(**{READ_ONLY: True})
        return connection.execute(statement, params).all()
