"""`relay_events` without NATS_URL: under `make run` it idles, saying why, instead of stopping the run."""

import os
import signal
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


def test_relay_without_nats_url_idles_with_a_log_line_until_terminated():
    env = {**os.environ, "NATS_URL": "", "DEBUG": "true", "LOG_FORMAT": "json"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "relay_events"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first_line = process.stdout.readline()
        assert "relay_idle" in first_line
        assert "NATS_URL is not set" in first_line
        assert process.poll() is None, "the relay exited instead of idling"
    finally:
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=60)
    assert process.returncode == 0, rest


def test_relay_once_without_nats_url_is_an_error(settings):
    settings.NATS_URL = ""

    with pytest.raises(CommandError, match="NATS_URL is not set"):
        call_command("relay_events", "--once", stdout=StringIO())
