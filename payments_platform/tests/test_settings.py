"""Configuration: production-like values pass `check --deploy`; HTTPS_ONLY follows DEBUG."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_LIKE = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "api.example.com",
}
SECURITY_SETTINGS = [
    "DEBUG",
    "HTTPS_ONLY",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
]


def run(args: list[str], **overrides: str) -> subprocess.CompletedProcess:
    """Run with a clean configuration: only DATABASE_URL/REDIS_URL survive from the test run."""
    env = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "HTTPS_ONLY", "SECRET_KEY")}
    env.update(overrides)
    return subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60)


def security_settings(**overrides: str) -> dict:
    """Import the settings module alone (no app loading) in a fresh process with `overrides`."""
    code = (
        "import json; from payments_platform import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {SECURITY_SETTINGS!r}}}))"
    )
    result = run([sys.executable, "-c", code], **overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_deploy_checks_pass_without_warnings_with_production_like_values():
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION_LIKE)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off():
    result = run([sys.executable, "manage.py", "check"], DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_https_only_is_on_by_default_when_debug_is_off():
    values = security_settings(**PRODUCTION_LIKE)

    assert values["HTTPS_ONLY"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000


def test_https_only_false_serves_plain_http_with_debug_off():
    values = security_settings(**PRODUCTION_LIKE, HTTPS_ONLY="false")

    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_debug_on_defaults_to_plain_http_and_a_development_secret():
    values = security_settings(DEBUG="true")

    assert values["DEBUG"] is True
    assert values["HTTPS_ONLY"] is False
