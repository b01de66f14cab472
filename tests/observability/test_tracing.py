"""OpenTelemetry: off without OTEL_EXPORTER_OTLP_ENDPOINT (not even imported); on, spans for each
request, database statement, Redis call, connector call and webhook send, and the trace id in the logs.

Tracing is process-wide, so each case runs `tracing_probe.py` in a fresh process against the
test database, with an in-memory exporter.
"""

import json
import os
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from threading import Thread

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _probe(*args: str, **env: str) -> dict:
    settings = connection.settings_dict
    database_url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOG_FORMAT": "json",
        "WEBHOOK_ALLOW_PRIVATE_URLS": "true",  # the probe's receiver is on loopback
    }
    environment.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    environment.update(env)
    result = subprocess.run(
        [sys.executable, "-m", "tests.observability.tracing_probe", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


_probed: dict[str, dict] = {}


@pytest.fixture
def traced(transactional_db):
    """The probe's report, made once per session (the first test to ask runs it; the transactional
    test database is flushed after each test, so what the probe committed does not linger)."""
    if "on" not in _probed:
        server = HTTPServer(("127.0.0.1", 0), _Receiver)
        Thread(target=server.serve_forever, daemon=True).start()
        try:
            _probed["on"] = _probe(f"http://127.0.0.1:{server.server_port}/hook")
        finally:
            server.shutdown()
    return _probed["on"]


def names(traced) -> list[str]:
    return [span["name"] for span in traced["spans"]]


def test_without_an_endpoint_no_tracing_sdk_exporter_or_instrumentation_is_imported(django_db_setup, django_db_blocker):
    """redis-py 8 imports the OpenTelemetry *metrics* SDK by itself when it is installed, and leaves it
    idle; nothing of tracing is loaded and the tracer provider stays OpenTelemetry's no-op proxy."""
    assert _probe("off") == {"imported": [], "tracer_provider": "ProxyTracerProvider"}


def test_a_request_is_one_server_span_named_by_its_route(traced):
    server = [span for span in traced["spans"] if span["kind"] == "SERVER"]

    assert traced["status"] == 201, traced["body"]
    assert len(server) == 1
    assert server[0]["attributes"]["http.route"] == "v1/auth/register"


def test_each_database_statement_of_the_request_is_a_child_span(traced):
    request_trace = next(span["trace_id"] for span in traced["spans"] if span["kind"] == "SERVER")
    statements = [span for span in traced["spans"] if span["attributes"].get("db.system") == "postgresql"]

    assert any(span["trace_id"] == request_trace for span in statements)
    assert any(span["attributes"].get("db.statement", "").startswith("INSERT") for span in statements)


def test_a_redis_call_is_a_span(traced):
    assert any(span["attributes"].get("db.system") == "redis" for span in traced["spans"])


def test_a_connector_call_is_a_span_named_by_its_method(traced):
    (span,) = [span for span in traced["spans"] if span["name"] == "connector.retrieve"]

    assert span["attributes"]["payments.connector"] == "simulator_a"


def test_a_webhook_send_is_a_span_with_its_http_post_inside(traced):
    send = next(span for span in traced["spans"] if span["name"] == "webhook.send")
    posts = [span for span in traced["spans"] if span["kind"] == "CLIENT" and span["name"] == "POST"]

    assert any(post["trace_id"] == send["trace_id"] for post in posts), traced["spans"][-6:]


def test_every_log_line_of_a_traced_request_carries_its_trace_id_beside_the_request_id(traced):
    request_trace = next(span["trace_id"] for span in traced["spans"] if span["kind"] == "SERVER")
    request_lines = [line for line in traced["log_lines"] if line.get("request_id")]

    assert request_lines
    assert all(line["trace_id"] == request_trace for line in request_lines)


def test_a_log_line_inside_a_span_carries_that_spans_trace_id(traced):
    line = next(line for line in traced["log_lines"] if line["event"] == "probe_line")
    span = next(span for span in traced["spans"] if span["name"] == "probe.outside_request")

    assert line["trace_id"] == span["trace_id"]
