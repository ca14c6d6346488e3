"""How a scan talks to the database: the code is read outside the session's transaction (and on
SQLite without the write lock), the transaction that records it is as short as it can be, and on
PostgreSQL a scan-only transaction commits asynchronously while one that opens a visit waits for
the disk."""
from sqlalchemy import event

from server.extensions import db


def dialect_of(app):
    with app.app_context():
        return db.engine.dialect.name


def statements_of(app, action):
    """The SQL statements ``action()`` sends, in order (their first 60 characters)."""
    seen = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, params, context, executemany):
        seen.append(statement[:60])

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_the_code_is_read_apart_from_the_transaction_that_records_the_scan(app, world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise)
    dialect = dialect_of(app)

    seen = statements_of(app, lambda: world.verify(code["url"]))

    kinds = [text if text.startswith("BEGIN") else text.split()[0]
             for text in seen if text.startswith(("BEGIN", "SELECT service_codes", "INSERT INTO scans"))]
    if dialect == "sqlite":
        # The read in a deferred transaction of its own (no write lock), then the insert's.
        assert kinds == ["BEGIN DEFERRED", "SELECT", "BEGIN IMMEDIATE", "INSERT"], seen
    else:
        # psycopg begins the insert's transaction implicitly; the read runs in autocommit.
        assert kinds == ["SELECT", "INSERT"], seen


def test_only_a_scan_that_opens_no_visit_commits_asynchronously_on_postgresql(app, world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise)
    dialect = dialect_of(app)

    def relaxed(headers=None):
        seen = statements_of(app, lambda: world.verify(code["url"], headers))
        return any("synchronous_commit" in text for text in seen)

    opening = relaxed(enterprise.headers)      # opens the visit: waits for the disk
    again = relaxed(enterprise.headers)        # the same open visit: only a scan record
    anonymous = relaxed()
    assert (opening, again, anonymous) == ((False, True, True) if dialect == "postgresql" else (False, False, False))
