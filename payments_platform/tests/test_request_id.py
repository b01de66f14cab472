"""Request IDs: kept when well-formed, replaced otherwise, echoed, and on every log line."""

import logging
import uuid

import pytest
import structlog
from django.test import Client


def is_uuid4(value: str) -> bool:
    try:
        return uuid.UUID(value).version == 4 and str(uuid.UUID(value)) == value
    except ValueError:
        return False


@pytest.mark.parametrize("request_id", ["abc", "req-2026.11_26-XYZ", "a" * 128, "0"])
def test_well_formed_client_request_id_is_kept(api_client, request_id):
    response = api_client.get("/health", HTTP_X_REQUEST_ID=request_id)

    assert response["X-Request-ID"] == request_id
    assert response.json()["trace_id"] == request_id


@pytest.mark.parametrize(
    "request_id",
    ["a" * 129, "has space", "semi;colon", "slash/ed", "ünïcode", "<script>", ""],
    ids=["too-long", "space", "semicolon", "slash", "unicode", "html", "empty"],
)
def test_malformed_client_request_id_is_replaced_by_a_uuid4(api_client, request_id):
    response = api_client.get("/health", HTTP_X_REQUEST_ID=request_id)

    assert is_uuid4(response["X-Request-ID"])
    assert response.json()["trace_id"] == response["X-Request-ID"]


def test_request_without_id_gets_a_fresh_uuid4_per_request(api_client):
    first = api_client.get("/health")["X-Request-ID"]
    second = api_client.get("/health")["X-Request-ID"]

    assert is_uuid4(first)
    assert is_uuid4(second)
    assert first != second


def test_request_id_is_echoed_on_django_level_404(api_client):
    response = api_client.get("/healthz", HTTP_X_REQUEST_ID="trace-404")

    assert response["X-Request-ID"] == "trace-404"
    assert response.json()["trace_id"] == "trace-404"


def test_request_id_is_echoed_on_500_from_djangos_handler(test_urls):
    response = Client(raise_request_exception=False).get("/v1/test/plain-crash", HTTP_X_REQUEST_ID="trace-500")

    assert response["X-Request-ID"] == "trace-500"
    assert response.json()["trace_id"] == "trace-500"


def test_request_id_is_echoed_outside_the_api(api_client):
    response = api_client.get("/admin/login/", HTTP_X_REQUEST_ID="trace-admin")

    assert response["X-Request-ID"] == "trace-admin"


def test_every_log_line_of_a_request_carries_its_request_id(api_client, test_urls, log_lines):
    api_client.get("/v1/test/log", HTTP_X_REQUEST_ID="trace-logs")

    lines = log_lines()
    events = {line["event"] for line in lines}
    assert {"structlog_line", "stdlib line", "request"} <= events
    assert all(line["request_id"] == "trace-logs" for line in lines)


def test_error_log_of_a_crash_carries_the_request_id(api_client, test_urls, log_lines):
    api_client.get("/v1/test/crash", HTTP_X_REQUEST_ID="trace-crash")

    crash = next(line for line in log_lines() if line["event"] == "unhandled_exception")
    assert crash["request_id"] == "trace-crash"
    assert crash["level"] == "error"


def test_request_id_is_unbound_after_the_request(api_client, log_lines):
    api_client.get("/health", HTTP_X_REQUEST_ID="trace-gone")

    structlog.get_logger("tests").info("after_request")
    logging.getLogger("tests").info("after request, stdlib")

    after = [line for line in log_lines() if line["event"] in ("after_request", "after request, stdlib")]
    assert len(after) == 2
    assert all("request_id" not in line for line in after)


def test_access_log_has_one_line_per_request_with_its_fields(api_client, log_lines):
    api_client.get("/health", HTTP_X_REQUEST_ID="trace-access")

    access = [line for line in log_lines() if line.get("logger") == "payments_platform.access"]
    assert len(access) == 1
    line = access[0]
    assert line["event"] == "request"
    assert line["method"] == "GET"
    assert line["path"] == "/health"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float | int)
    assert line["duration_ms"] >= 0
    assert line["request_id"] == "trace-access"
    assert line["user_id"] is None
    assert line["level"] == "info"
    assert "timestamp" in line


def test_access_log_names_the_authenticated_user(auth_client, user, log_lines):
    auth_client.get("/v1/me")

    line = next(line for line in log_lines() if line.get("logger") == "payments_platform.access")
    assert line["user_id"] == user.public_id
    assert line["status"] == 200


def test_access_log_records_error_statuses(api_client, log_lines):
    api_client.get("/v1/nope")

    line = next(line for line in log_lines() if line.get("logger") == "payments_platform.access")
    assert line["status"] == 404
    assert line["path"] == "/v1/nope"


def test_log_lines_never_contain_the_bearer_token(auth_client, log_lines):
    token = auth_client._credentials["HTTP_AUTHORIZATION"].split()[1]
    structlog.get_logger("tests").info("leaky", authorization=f"Bearer {token}", note=f"token {token}")

    rendered = str(log_lines())
    assert token not in rendered


@pytest.mark.django_db
def test_server_error_responses_log_no_line_without_request_id(api_client, log_lines, settings):
    settings.NATS_URL = "nats://127.0.0.1:1"

    api_client.get("/ready", HTTP_X_REQUEST_ID="trace-503")

    assert all(line.get("request_id") == "trace-503" for line in log_lines())
