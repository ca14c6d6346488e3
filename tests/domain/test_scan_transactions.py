"""How a scan talks to the database, as the driver sees it.

A scan that opens no visit (nearly all of them) sends one SELECT for the code and one INSERT for
the scan record on a connection in autocommit: no BEGIN, no COMMIT, no round trip more, and on
SQLite no write lock but the INSERT's own. On PostgreSQL that INSERT commits asynchronously. A scan
that opens a visit records the visit, its audit row and the scan in one transaction, which waits
for the disk as every other change does.
"""
import re
import tempfile
from contextlib import contextmanager

from sqlalchemy import event

from server.extensions import db

# libpq's trace: one message a record, from a line "F|B <length> <type>" to the next; the SQL of
# a Query or a Parse (after the statement's name) is quoted, line breaks and all.
_RECORD = re.compile(r"^(?=[FB]\t\d+\t)", re.M)
_SQL = re.compile(r'^F\t\d+\t(?:Query\t|Parse\t "[^"]*") "(.*)"', re.S)  # greedy: to the last quote


@contextmanager
def driver_statements(app):
    """Collect the SQL the driver sends while the block runs: SQLite's trace callback, or libpq's
    protocol trace for psycopg. Yields the list, filled when the block ends."""
    with app.app_context():
        engine = db.engine
    seen, traces = [], []

    def on_connect(dbapi_connection, _record):
        if engine.dialect.name == "sqlite":
            dbapi_connection.set_trace_callback(seen.append)
        else:
            from psycopg import pq

            trace = tempfile.TemporaryFile()
            dbapi_connection.pgconn.trace(trace.fileno())
            dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
            traces.append((dbapi_connection, trace))

    engine.dispose()  # new connections, each traced from its start
    event.listen(engine, "connect", on_connect)
    try:
        yield seen
    finally:
        event.remove(engine, "connect", on_connect)
        for connection, trace in traces:
            connection.pgconn.untrace()
            trace.seek(0)
            seen.extend(match.group(1) for record in _RECORD.split(trace.read().decode())
                        if (match := _SQL.match(record)))
            trace.close()
        engine.dispose()


def kinds(statements):
    """The first word of each statement that begins, ends or changes something, or reads a code."""
    words = [text.split()[0].upper() for text in statements if text.strip()]
    return [word for word in words if word in ("BEGIN", "COMMIT", "ROLLBACK", "SELECT", "INSERT", "UPDATE",
                                               "SAVEPOINT", "RELEASE")]


def test_a_scan_that_opens_no_visit_is_one_select_and_one_insert_in_autocommit(app, world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise)
    world.verify(code["url"], enterprise.headers)  # opens the visit

    with driver_statements(app) as anonymous:
        assert world.verify(code["url"])["reason"] == "ok"
    with driver_statements(app) as again:
        assert world.verify(code["url"], enterprise.headers)["visit_id"] is not None

    assert kinds(anonymous) == ["SELECT", "INSERT"], anonymous
    # The enterprise's sign-in is read first; the open visit comes with the code.
    assert kinds(again) == ["SELECT", "SELECT", "INSERT"], again
    assert "INSERT INTO scans" in anonymous[-1]


def test_on_postgresql_the_scan_record_commits_asynchronously(app, world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise)

    with driver_statements(app) as seen:
        world.verify(code["url"])

    insert = next(text for text in seen if text.startswith("INSERT"))
    relaxed = "set_config('synchronous_commit', 'off', true)" in insert
    assert relaxed is (_dialect(app) == "postgresql")


def test_a_scan_that_opens_a_visit_is_one_transaction_with_the_visit_and_its_audit_row(app, world):
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    code = world.code(agency, provider, enterprise)

    with driver_statements(app) as seen:
        assert world.verify(code["url"], enterprise.headers)["visit_id"] is not None

    steps = kinds(seen)
    begin = steps.index("BEGIN")
    assert steps[:begin] == ["SELECT", "SELECT"], seen  # the sign-in and the code, before it
    assert steps[-1] == "COMMIT" and steps.count("BEGIN") == steps.count("COMMIT") == 1, seen
    tables = sorted(re.match(r"INSERT INTO (\w+)", text).group(1) for text in seen if text.startswith("INSERT"))
    assert tables == ["audit_entries", "scans", "visits"], seen
    assert not any("synchronous_commit" in text for text in seen)


def _dialect(app):
    with app.app_context():
        return db.engine.dialect.name


def test_the_trace_sees_the_driver(app):
    # The helper itself: a statement sent on a fresh connection is seen (or every test above
    # would pass on an empty list).
    with driver_statements(app) as seen:
        with app.app_context():
            db.session.execute(db.text("SELECT 42")).all()
            db.session.rollback()
    assert any(text.startswith("SELECT 42") for text in seen), seen
