"""prepared_cursor: statements PostgreSQL plans once per connection, still seen by Django's tooling."""

import sys
import uuid

import pytest
from django.db import ProgrammingError, connection, connections

from payments_platform.db import client_binding_cursor, prepared_cursor
from payments_platform.tests.test_settings import PRODUCTION_LIKE, run

pytestmark = pytest.mark.django_db


def _unique_statement() -> str:
    """A statement text no other test sends: prepared statements outlive a test on its connection."""
    return f"SELECT %s::int + 1 AS n /* {uuid.uuid4().hex} */"


def _is_prepared(statement: str) -> bool:
    marker = statement.split("/*")[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{marker}%"])
        return cursor.fetchone()[0] == 1


def _run(statement: str, times: int, *, cursor_of=prepared_cursor) -> list[int]:
    results = []
    for number in range(times):
        with cursor_of() as cursor:
            cursor.execute(statement, [number])
            results.append(cursor.fetchone()[0])
    return results


def test_a_statement_run_through_prepared_cursor_is_prepared_after_five_runs():
    statement = _unique_statement()

    _run(statement, 5)
    assert not _is_prepared(statement)
    assert _run(statement, 3) == [1, 2, 3]

    assert _is_prepared(statement)


def _times_prepared_through_django_s_cursor(*, server_side_binding: bool, runs: int) -> int:
    """Run a fresh statement `runs` times through Django's own cursor on a new connection configured
    with `server_side_binding`; how many prepared statements of that text the connection then holds."""
    settings_dict = {**connection.settings_dict}
    settings_dict["OPTIONS"] = {**settings_dict["OPTIONS"], "server_side_binding": server_side_binding}
    other = type(connections["default"])(settings_dict, alias=f"binding_{server_side_binding}")
    statement = _unique_statement()
    try:
        with other.cursor() as cursor:
            for number in range(runs):
                cursor.execute(statement, [number])
                assert cursor.fetchone()[0] == number + 1
            marker = f"%{statement.split('/*')[1]}%"
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [marker])
            return cursor.fetchone()[0]
    finally:
        other.close()


def test_django_s_own_cursor_prepares_a_statement_only_after_five_runs_with_server_side_binding():
    assert _times_prepared_through_django_s_cursor(server_side_binding=True, runs=5) == 0
    assert _times_prepared_through_django_s_cursor(server_side_binding=True, runs=6) == 1


def test_django_s_own_cursor_never_prepares_a_statement_with_client_side_binding():
    assert _times_prepared_through_django_s_cursor(server_side_binding=False, runs=10) == 0


def test_a_statement_run_through_client_binding_cursor_is_never_prepared_even_with_server_side_binding():
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    statement = _unique_statement()

    assert _run(statement, 10, cursor_of=client_binding_cursor) == list(range(1, 11))

    assert not _is_prepared(statement)


def test_statements_through_client_binding_cursor_are_logged_with_their_values(django_assert_num_queries):
    statement = _unique_statement()

    with django_assert_num_queries(2) as captured:
        _run(statement, 2, cursor_of=client_binding_cursor)

    assert [query["sql"] for query in captured.captured_queries] == [
        statement.replace("%s", f"{number}") for number in range(2)
    ]


def test_statements_through_prepared_cursor_are_counted_by_assert_num_queries(django_assert_num_queries):
    statement = _unique_statement()

    with django_assert_num_queries(7) as captured:
        _run(statement, 7)

    assert [query["sql"] for query in captured.captured_queries] == [
        statement.replace("%s", str(number)) for number in range(7)
    ]


def test_a_bad_statement_through_prepared_cursor_raises_django_s_database_error():
    with pytest.raises(ProgrammingError), prepared_cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM ledger_account")


def _database_option(name: str, **environment: str) -> str:
    """The settings' `DATABASES["default"]["OPTIONS"][name]`, printed by a fresh process with `environment`."""
    code = f"from payments_platform import settings; print(settings.DATABASES['default']['OPTIONS']['{name}'])"
    environment = {**PRODUCTION_LIKE, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/any", **environment}
    completed = run([sys.executable, "-c", code], **environment)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


def test_prepared_statements_are_on_by_default_and_can_be_switched_off():
    assert _database_option("prepare_threshold") == "5"
    assert _database_option("prepare_threshold", DATABASE_PREPARED_STATEMENTS="false") == "None"


def test_server_side_binding_is_on_by_default_and_can_be_switched_off():
    assert _database_option("server_side_binding") == "True"
    assert _database_option("server_side_binding", DATABASE_SERVER_SIDE_BINDING="false") == "False"


def test_statements_through_prepared_cursor_pass_through_execute_wrappers():
    seen = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    statement = _unique_statement()
    with connection.execute_wrapper(record):
        _run(statement, 2)

    assert seen == [statement, statement]


def test_a_timestamp_read_through_prepared_cursor_equals_the_one_read_through_django_s_cursor():
    sql = "SELECT %s::timestamptz"
    moment = "2026-11-26 10:00:00.123456+02"

    with prepared_cursor() as prepared, connection.cursor() as default:
        prepared.execute(sql, [moment])
        default.execute(sql, [moment])
        through_prepared, through_default = prepared.fetchone()[0], default.fetchone()[0]
    assert through_prepared == through_default
    assert through_prepared.utcoffset() == through_default.utcoffset()
