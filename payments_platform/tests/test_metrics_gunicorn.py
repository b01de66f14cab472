"""GET /metrics under a real gunicorn with 3 workers: every worker's requests are counted once.

Workers are also recycled every few requests (GUNICORN_MAX_REQUESTS), so the count must survive
workers that died: prometheus-client's multiprocess files keep a dead worker's counters, and
gunicorn.conf.py's `child_exit` marks it dead.
"""

import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "gunicorn-metrics-test-token"
PORTS = range(18710, 18730)  # this worktree's own port range


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port in 18710-18729")


def _database_url() -> str:
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "GUNICORN_WORKERS": "3",
        "GUNICORN_MAX_REQUESTS": "15",
        "DEBUG": "false",
        "HTTPS_ONLY": "false",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "payments_platform.wsgi:application",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # readiness poll, not a timed assertion
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}")
            try:
                httpx.get(f"{base}/metrics", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base, tmp_path / "prometheus"
    finally:
        process.terminate()
        process.wait(timeout=60)


def _health_count(base: str) -> float:
    body = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120).text
    match = re.search(r'^http_requests_total\{method="GET",route="/health",status="200"\} (\S+)$', body, re.M)
    return float(match.group(1)) if match else 0.0


def test_n_requests_across_three_gunicorn_workers_raise_the_counter_by_exactly_n(gunicorn):
    base, directory = gunicorn
    requests = 48
    before = _health_count(base)

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda _: httpx.get(f"{base}/health", timeout=120).status_code, range(requests)))

    assert statuses == [200] * requests
    assert _health_count(base) == before + requests
    assert len(list(directory.glob("counter_*.db"))) > 3, "workers were recycled, so more files than workers"
