"""Core statements run on the database driver's own cursor, for the one path a person waits on.

The scan at the door reads one row set and inserts one row. Through SQLAlchemy's execution
machinery (pool events, execution contexts, result objects) those two statements cost several
times what the driver spends on them; here each statement is compiled once per dialect, its
parameters and result columns go through SQLAlchemy's own type processors (so dates, JSON and
booleans read and write exactly as the ORM's do), and the driver runs it.

Only statements without post-compile parameters (no expanding ``IN``) belong here.
"""
from collections import namedtuple
from contextlib import contextmanager

from .extensions import db


class DriverStatement:
    """A Core statement compiled once per dialect and run on a DBAPI cursor.

    ``column_keys`` names the parameters of an INSERT (the columns it sets); a SELECT's parameters
    are its ``bindparam`` names. ``on_dialect`` maps a dialect name to that dialect's own form of
    the statement (same parameters, same result columns), run on the driver in its place.
    """

    def __init__(self, statement, column_keys=None, on_dialect=None):
        self.statement = statement
        self.column_keys = column_keys
        # A dialect's own form of the statement, for the driver only (the session runs ``statement``).
        self.on_dialect = on_dialect or {}
        self._by_dialect = {}

    def _compiled(self, dialect):
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            own = self.on_dialect.get(dialect.name)
            compiled = self._by_dialect[dialect.name] = (
                _Compiled(own, dialect, None) if own is not None else _Compiled(self.statement, dialect, self.column_keys))
        return compiled

    def rows(self, connection, params):
        """All result rows (named tuples, values converted by the column types)."""
        compiled = self._compiled(connection.dialect)
        cursor = connection.driver.cursor()
        try:
            cursor.execute(compiled.sql, compiled.parameters(params))
            return [compiled.row(raw) for raw in cursor.fetchall()]
        finally:
            cursor.close()


class _Compiled:
    def __init__(self, statement, dialect, column_keys):
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        self.sql = compiled.string
        self.positional = dialect.positional
        self.order = list(compiled.positiontup or ()) if dialect.positional else None
        self.binds = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                      for name, bind in compiled.binds.items()}
        if hasattr(statement, "selected_columns"):
            columns = list(statement.selected_columns)
        else:  # INSERT … RETURNING
            columns = [description["expr"] for description in statement.returning_column_descriptions]
        processors = [column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns]
        # Only the columns whose type converts what the driver returns (dates on SQLite, JSON…).
        self.converters = [(index, processor) for index, processor in enumerate(processors) if processor is not None]
        self.row_type = namedtuple("Row", [column.key for column in columns])

    def parameters(self, params):
        processed = {}
        for name, processor in self.binds.items():
            value = params[name]
            processed[name] = processor(value) if processor is not None and value is not None else value
        if self.positional:
            return tuple(processed[name] for name in self.order)
        return processed

    def row(self, raw):
        values = list(raw)
        for index, processor in self.converters:
            if values[index] is not None:
                values[index] = processor(values[index])
        return self.row_type._make(values)


class _Connection:
    def __init__(self, driver, dialect):
        self.driver = driver
        self.dialect = dialect


@contextmanager
def autocommit_connection():
    """A pooled connection whose every statement commits on its own (SQLite's driver already runs
    so, see extensions; psycopg is switched for the duration). No BEGIN, no COMMIT, no ROLLBACK:
    each statement is one round trip."""
    engine = db.engine
    pooled = engine.raw_connection()
    driver = pooled.driver_connection
    postgres = engine.dialect.name == "postgresql"
    try:
        if postgres:
            driver.autocommit = True
        yield _Connection(driver, engine.dialect)
    finally:
        if postgres:
            driver.autocommit = False
        pooled.close()


@contextmanager
def door_connection():
    """Where the scan at the door reads and writes: inside a transaction the session has begun
    already (a page whose sign-in was read, seeding that has not committed) there — ``None``, so
    that it sees that transaction's own rows; otherwise a pooled connection in autocommit, where
    each statement is one round trip and, on SQLite, takes no write lock but an INSERT's own."""
    if session_in_transaction():
        yield None
    else:
        with autocommit_connection() as connection:
            yield connection


def run(connection, statement, params):
    """The rows of a DriverStatement on ``connection`` (from :func:`door_connection`), or in the
    session's transaction when it is None."""
    if connection is None:
        return db.session.connection().execute(statement.statement, params).all()
    return statement.rows(connection, params)


def read(statement, params):
    """The rows of a DriverStatement that only reads, where :func:`door_connection` says."""
    with door_connection() as connection:
        return run(connection, statement, params)


def session_in_transaction():
    """Whether this request's session has begun a transaction. Asked without creating a session
    when there is none: a session made only to be asked, and closed at teardown, costs the scan
    a fifth of its time."""
    return db.session.registry.has() and db.session().in_transaction()
