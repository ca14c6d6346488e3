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


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(connection):
    """SQLite: take the write lock when a transaction starts. A deferred transaction that reads and
    then writes fails with "database is locked" when another writer committed in between; an
    immediate one waits its turn (busy_timeout) instead. Row locks (SELECT … FOR UPDATE) do the
    same job on PostgreSQL. Reads that need no transaction at all (the scan at the door) run in
    autocommit on the driver (``server.driver_sql``) and never take the lock."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
