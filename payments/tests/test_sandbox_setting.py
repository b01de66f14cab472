"""SANDBOX_ENABLED=false leaves the payments sandbox out: no /simulator/3ds/ route, no traffic runner.

The URL map and the app registry are built once per process, so the route test rebuilds the URL
map under the setting (and again after it), and the start-up tests run a fresh process."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

import payments_platform.urls

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def urls_without_sandbox():
    with override_settings(SANDBOX_ENABLED=False):
        importlib.reload(payments_platform.urls)
        clear_url_caches()
        yield
    importlib.reload(payments_platform.urls)
    clear_url_caches()


def _run_without_sandbox(code: str) -> subprocess.CompletedProcess:
    """Run `code` in a new Python process after django.setup(), with SANDBOX_ENABLED=false."""
    setup = "import django; django.setup(); "
    environment = {**os.environ, "SANDBOX_ENABLED": "false"}
    return subprocess.run(
        [sys.executable, "-c", setup + code],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_simulator_page_is_a_404_when_the_sandbox_is_off(urls_without_sandbox, client):
    response = client.get("/simulator/3ds/3ds_anything?token=x")

    assert response.status_code == 404


def test_the_app_starts_and_passes_its_checks_with_the_sandbox_off():
    started = _run_without_sandbox(
        "from django.core.management import call_command; call_command('check'); "
        "import payments_platform.urls as urls; "
        "print([str(p.pattern) for p in urls.urlpatterns])"
    )

    assert started.returncode == 0, started.stderr
    assert "simulator/3ds/" not in started.stdout and "'v1/'" in started.stdout


def test_the_payments_traffic_runner_is_not_registered_with_the_sandbox_off():
    started = _run_without_sandbox("from fraud.sandbox.traffic import RUNNERS; print(sorted(RUNNERS))")

    assert started.returncode == 0, started.stderr
    assert "'payments'" not in started.stdout and "'assess'" in started.stdout
