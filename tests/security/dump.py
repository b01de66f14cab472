"""A real `pg_dump` of the test database, for the tests that prove a secret is never stored."""

import subprocess

from django.db import connection

from payments_platform import devstack


def database_dump() -> str:
    """The data of the current test database as `pg_dump --data-only` prints it. Rows must be
    committed (transactional tests): pg_dump reads on a connection of its own. PostgreSQL 18's
    pg_dump, from the embedded wheel, dumps that server and any older one."""
    settings_dict = connection.settings_dict
    return subprocess.run(
        [
            str(devstack.postgres_bin("pg_dump")),
            "--data-only",
            "-h",
            settings_dict["HOST"] or "127.0.0.1",
            "-p",
            str(settings_dict["PORT"] or 5432),
            "-U",
            settings_dict["USER"],
            settings_dict["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={"PGPASSWORD": settings_dict["PASSWORD"] or "", "PATH": "/usr/bin:/bin"},
    ).stdout
