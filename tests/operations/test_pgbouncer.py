"""Our prepared statements behind PgBouncer in transaction mode (scripts/pgbouncer_check.py, Debian's pgbouncer)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.operations.processes import ROOT, child_environment

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"

pytestmark = [
    pytest.mark.skipif(not Path(PGBOUNCER).exists(), reason="pgbouncer is not installed"),
    pytest.mark.django_db(transaction=True),
]


def test_prepared_statements_work_behind_pgbouncer_only_from_1_21_and_off_always():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/pgbouncer_check.py")],
        env=child_environment(PGBOUNCER_PORT="18621"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    major, minor = map(int, re.search(r"PgBouncer (\d+)\.(\d+)", result.stdout).groups())
    assert "DATABASE_PREPARED_STATEMENTS=false: 0 of 800 statements failed" in result.stdout
    prepared = re.search(r"DATABASE_PREPARED_STATEMENTS=true: (\d+) of 800", result.stdout).group(1)
    if (major, minor) < (1, 21):
        assert int(prepared) > 0  # why the setting exists: turn it off in front of an older PgBouncer
