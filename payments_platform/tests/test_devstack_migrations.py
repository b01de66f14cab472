"""`python -m payments_platform.devstack migrate`: `manage.py migrate` only when a migration is pending.

Each test gives the command a scratch database of its own on the test session's server, with a
`django_migrations` table copied from the migrated test database (or none), and runs the command
in a subprocess, as `make run` does: it reads DATABASE_URL through the settings module.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PENDING = "from payments_platform.devstack.migrations import pending_migrations; print(pending_migrations())"


def _connect(settings_dict: dict, dbname: str) -> psycopg.Connection:
    return psycopg.connect(
        dbname=dbname,
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"] or None,
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or None,
        autocommit=True,
    )


@pytest.fixture
def test_database_migrations(django_db_setup, django_db_blocker) -> list[tuple[str, str]]:
    """The (app, name) rows that `migrate` recorded in the test database."""
    with django_db_blocker.unblock(), _connect(connection.settings_dict, connection.settings_dict["NAME"]) as test_db:
        return test_db.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()


@pytest.fixture
def scratch_database(django_db_setup):
    """An empty database on the test server; yields its URL and a connection to it."""
    settings_dict = connection.settings_dict
    name = f"pp_migrate_check_{uuid.uuid4().hex[:10]}"
    with _connect(settings_dict, "postgres") as server:
        server.execute(f'CREATE DATABASE "{name}"')
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    url = f"postgres://{settings_dict['USER']}{password}@{settings_dict['HOST']}:{settings_dict['PORT']}/{name}"
    try:
        with _connect(settings_dict, name) as scratch:
            yield url, scratch
    finally:
        with _connect(settings_dict, "postgres") as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def record(scratch: psycopg.Connection, rows: list[tuple[str, str]]) -> None:
    scratch.execute("CREATE TABLE django_migrations (id serial PRIMARY KEY, app text, name text, applied timestamptz)")
    with scratch.cursor() as cursor:
        cursor.executemany("INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, now())", rows)


def run(url: str, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true", "HTTPS_ONLY": "false"}
    return subprocess.run(
        [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_nothing_is_pending_when_every_migration_file_is_recorded(scratch_database, test_database_migrations):
    url, scratch = scratch_database
    record(scratch, test_database_migrations)

    assert run(url, "-c", PENDING).stdout.strip() == "[]"


def test_the_command_skips_migrate_when_nothing_is_pending(scratch_database, test_database_migrations):
    url, scratch = scratch_database
    record(scratch, test_database_migrations)

    result = run(url, "-m", "payments_platform.devstack", "migrate")

    assert result.returncode == 0
    assert "`manage.py migrate` skipped" in result.stdout


def test_a_migration_the_database_does_not_record_is_pending(scratch_database, test_database_migrations):
    url, scratch = scratch_database
    record(scratch, [row for row in test_database_migrations if row != ("webhooks", "0001_initial")])

    assert run(url, "-c", PENDING).stdout.strip() == "['webhooks.0001_initial']"


def test_a_database_without_the_migrations_table_is_unknown_so_migrate_runs(scratch_database):
    url, _ = scratch_database

    assert run(url, "-c", PENDING).stdout.strip() == "None"
