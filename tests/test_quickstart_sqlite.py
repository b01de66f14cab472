"""`make run` serves on SQLite with an in-process cache: the money flows must work there too."""

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("quickstart_smoke.py")


def test_the_quickstart_money_flows_work_on_sqlite_with_the_in_process_cache(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'quickstart.sqlite3'}",
        "REDIS_URL": "",
        "FRAUD_REDIS_URL": "",
        "NATS_URL": "",
        "DEBUG": "true",
        "HTTPS_ONLY": "false",
        "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "LOG_LEVEL": "WARNING",
    }

    result = subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=300, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   reconcile_ledger" in result.stdout
