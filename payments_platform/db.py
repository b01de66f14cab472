"""Database plumbing shared by the apps: a cursor for the hot statements that PostgreSQL plans once,
and one for the batch statements that it must plan on every run.

Django's psycopg cursor binds parameters on the client unless `server_side_binding` is set (see
below): every statement then reaches PostgreSQL as text with the values spelled in, so the server
parses and plans it on every call. For the few statements on the money path planning is most of
their cost (docs/ledger.md, "Performance"; `benchmarks/ledger_post.py`).

`prepared_cursor()` returns a Django cursor (same error wrapping, query logging, execute wrappers
and `assertNumQueries` counting as `connection.cursor()`) over psycopg's server-side binding
cursor, whatever the settings say. psycopg prepares a statement once it has run
`prepare_threshold` times on a connection (settings: `DATABASE_PREPARED_STATEMENTS`), and from
then on sends only the values. Statements sent through it must be written for server-side
binding: every placeholder whose type PostgreSQL cannot infer carries a cast (`%s::bigint[]`), and
there is one statement text per shape (`= ANY(%s)` rather than a variable `IN (...)` list), so one
plan serves every call.

With `server_side_binding` (settings: `DATABASE_SERVER_SIDE_BINDING`, on by default) Django's own
cursors bind on the server too, and psycopg prepares every ORM statement that runs five times on a
connection. After five more runs PostgreSQL may switch a prepared statement to a generic plan, one
that does not look at the values. That is what the request path wants, and wrong for a batch lookup
whose parameter is an array of thousands of values: PostgreSQL hashes `= ANY(array)` only when the
array is known at planning time, so a generic plan compares every row with every value
(reconcile_settlement's second run took 158 s instead of 3.3 s; docs/performance.md).
`client_binding_cursor()` is for those statements: it spells the values into the text, as Django's
default cursor does, so PostgreSQL plans each run with its values and never prepares it.
"""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


class _PreparedCursorDebugWrapper(CursorDebugWrapper):
    """Logs each statement with its values spelled in (`connection.queries`, assertNumQueries).

    Django reads the text to log from psycopg's last query, which a prepared statement's
    execution does not have (it would log None); this composes it the way Django does for a
    connection configured with server-side binding.
    """

    def execute(self, sql, params=None):
        with self.debug_sql(self._spelled_out(sql, params)):
            return CursorWrapper.execute(self, sql, params)

    def _spelled_out(self, sql, params) -> str | None:
        from psycopg import errors

        try:
            return self.db.ops.compose_sql(sql, params)
        except errors.DataError:
            return None


def _cursor(db: BaseDatabaseWrapper | None, *, server_binding: bool) -> CursorWrapper:
    """What `db.cursor()` does, with the psycopg cursor class chosen here rather than by the settings."""
    if db is None:
        db = connections[DEFAULT_DB_ALIAS]
    from django.db.backends.postgresql.base import (
        TIMESTAMPTZ_OID,
        Cursor,
        Format,
        ServerBindingCursor,
        register_tzloader,
    )

    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    with db.wrap_database_errors:
        cursor = (ServerBindingCursor if server_binding else Cursor)(db.connection)
    if db.timezone != db.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone:
        register_tzloader(db.timezone, cursor)  # as Django's create_cursor does
    if not db.queries_logged:
        return CursorWrapper(cursor, db)
    return _PreparedCursorDebugWrapper(cursor, db) if server_binding else CursorDebugWrapper(cursor, db)


def prepared_cursor(db: BaseDatabaseWrapper | None = None) -> CursorWrapper:
    """A cursor over `db` (default: the default connection) whose statements PostgreSQL prepares."""
    return _cursor(db, server_binding=True)


def client_binding_cursor(db: BaseDatabaseWrapper | None = None) -> CursorWrapper:
    """A cursor over `db` (default: the default connection) whose statements carry their values in
    the text, so PostgreSQL plans every run with them and never prepares one: for batch statements."""
    return _cursor(db, server_binding=False)
