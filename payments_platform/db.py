"""Database plumbing shared by the apps: a cursor for the hot statements that PostgreSQL plans once.

Django's psycopg cursor binds parameters on the client: every statement reaches PostgreSQL as
text with the values spelled in, so the server parses and plans it on every call. For the few
statements on the money path planning is most of their cost (docs/ledger.md, "Performance";
`benchmarks/ledger_post.py`).

`prepared_cursor()` returns a Django cursor (same error wrapping, query logging, execute wrappers
and `assertNumQueries` counting as `connection.cursor()`) over psycopg's server-side binding
cursor. psycopg prepares a statement once it has run `prepare_threshold` times on a connection
(settings: `DATABASE_PREPARED_STATEMENTS`), and from then on sends only the values. Statements
sent through it must be written for server-side binding: every placeholder whose type
PostgreSQL cannot infer carries a cast (`%s::bigint[]`), and there is one statement text per
shape (`= ANY(%s)` rather than a variable `IN (...)` list), so one plan serves every call.
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


def prepared_cursor(db: BaseDatabaseWrapper | None = None) -> CursorWrapper:
    """A cursor over `db` (default: the default connection) whose statements PostgreSQL prepares."""
    if db is None:
        db = connections[DEFAULT_DB_ALIAS]
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, Format, ServerBindingCursor, register_tzloader

    # What `db.cursor()` does, with psycopg's server-binding cursor in place of the connection's
    # default (client-binding) one.
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    with db.wrap_database_errors:
        cursor = ServerBindingCursor(db.connection)
    if db.timezone != db.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone:
        register_tzloader(db.timezone, cursor)  # as Django's create_cursor does
    return _PreparedCursorDebugWrapper(cursor, db) if db.queries_logged else CursorWrapper(cursor, db)
