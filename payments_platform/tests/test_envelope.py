"""Every JSON response, success or error, is the envelope; every error is Stripe-shaped."""

import pytest
from django.test import Client

from payments_platform.api.exceptions import validation_error_body

ENVELOPE_KEYS = {"object", "success", "data", "error", "trace_id"}


def assert_error(response, status: int, error_type: str, code: str, param=None) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["object"] == "response"
    assert body["success"] is False
    assert body["data"] is None
    assert body["trace_id"] == response["X-Request-ID"]
    error = body["error"]
    assert error["type"] == error_type
    assert error["code"] == code
    assert error["param"] == param
    assert isinstance(error["message"], str)
    assert error["message"]
    return error


def test_success_response_is_wrapped_in_the_envelope(api_client):
    response = api_client.get("/health")

    assert response.status_code == 200
    assert response.json() == {
        "object": "response",
        "success": True,
        "data": {"status": "ok"},
        "error": None,
        "trace_id": response["X-Request-ID"],
    }


@pytest.mark.django_db
def test_missing_field_is_400_parameter_missing_with_param(api_client):
    response = api_client.post("/v1/auth/register", {"password": "x"}, format="json")

    assert_error(response, 400, "invalid_request_error", "parameter_missing", param="email")


@pytest.mark.django_db
def test_invalid_field_is_400_parameter_invalid_with_param(api_client):
    response = api_client.post("/v1/auth/register", {"email": "not-an-email", "password": "x"}, format="json")

    error = assert_error(response, 400, "invalid_request_error", "parameter_invalid", param="email")
    assert error["message"].startswith("email: ")


@pytest.mark.django_db
def test_json_value_of_the_wrong_type_is_400_not_coerced(api_client):
    response = api_client.post(
        "/v1/auth/register", {"email": "a@example.com", "password": 1234567890123}, format="json"
    )

    assert_error(response, 400, "invalid_request_error", "parameter_invalid", param="password")


def test_nested_param_is_named_in_stripe_style(api_client, test_urls):
    response = api_client.post("/v1/test/nested", {"card": {"number": "abc"}}, format="json")

    assert_error(response, 400, "invalid_request_error", "parameter_invalid", param="card[number]")


def test_validation_error_body_names_list_items_by_index():
    body = validation_error_body({"items": [{}, {"amount": ["Must be an integer."]}]})

    assert body["param"] == "items[1][amount]"
    assert body["code"] == "parameter_invalid"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"email": ',
        b"[1, 2, 3]",
        b'"a string"',
        b"42",
        b'{"amount": NaN}',
        b"{" * 30 + b"}" * 30,
        b'{"a": "\\ud800"}',
    ],
    ids=["truncated", "array", "string", "number", "nan", "too-deep", "lone-surrogate"],
)
@pytest.mark.django_db
def test_body_that_is_not_a_json_object_is_400_parse_error(api_client, raw):
    response = api_client.post("/v1/auth/register", raw, content_type="application/json")

    assert_error(response, 400, "invalid_request_error", "parse_error")


@pytest.mark.django_db
def test_wrong_content_type_is_415_in_the_envelope(api_client):
    response = api_client.post(
        "/v1/auth/register", "email=a@example.com", content_type="application/x-www-form-urlencoded"
    )

    assert_error(response, 415, "invalid_request_error", "unsupported_media_type")


@pytest.mark.parametrize("path", ["/v1/nope", "/v1/", "/v1", "/v1/me/", "/v1/auth/register/"])
def test_unknown_api_route_is_404_in_the_envelope(api_client, path):
    response = api_client.get(path)

    assert_error(response, 404, "invalid_request_error", "resource_missing")


def test_unknown_api_route_is_404_in_the_envelope_with_debug_on(api_client, settings):
    settings.DEBUG = True

    response = api_client.post("/v1/nope", {"a": 1}, format="json")

    assert_error(response, 404, "invalid_request_error", "resource_missing")


@pytest.mark.parametrize("path", ["/healthz", "/health/", "/ready/now"])
def test_django_level_404_for_health_like_paths_is_in_the_envelope(api_client, path):
    response = api_client.get(path)

    assert_error(response, 404, "invalid_request_error", "resource_missing")


def test_django_level_404_outside_the_api_is_not_json(api_client):
    response = api_client.get("/not-the-api")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_wrong_method_is_405_with_allow_header(api_client):
    response = api_client.get("/v1/auth/register")

    assert_error(response, 405, "invalid_request_error", "method_not_allowed")
    assert "POST" in response["Allow"]


def test_missing_credentials_is_401_authentication_error(api_client):
    response = api_client.get("/v1/me")

    assert_error(response, 401, "authentication_error", "authentication_required")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_permission_denied_is_403_permission_error(api_client, test_urls):
    response = api_client.get("/v1/test/forbidden")

    assert_error(response, 403, "permission_error", "permission_denied")


def test_throttled_request_is_429_with_retry_after(api_client, test_urls):
    response = api_client.get("/v1/test/throttled")

    assert_error(response, 429, "rate_limit_error", "rate_limit")
    assert response["Retry-After"] == "7"


def test_unhandled_exception_in_an_api_view_is_500_without_details(api_client, test_urls):
    response = api_client.get("/v1/test/crash")

    error = assert_error(response, 500, "api_error", "internal_error")
    assert error["message"] == "An internal error occurred."
    assert b"SELECT" not in response.content
    assert b"Traceback" not in response.content
    assert b"hunter2" not in response.content


def test_unhandled_exception_in_an_api_view_is_500_envelope_with_debug_on(api_client, test_urls, settings):
    settings.DEBUG = True

    response = api_client.get("/v1/test/crash")

    assert_error(response, 500, "api_error", "internal_error")
    assert b"Traceback" not in response.content


def test_unhandled_exception_outside_drf_is_500_envelope_from_djangos_handler(test_urls):
    client = Client(raise_request_exception=False)

    response = client.get("/v1/test/plain-crash")

    assert_error(response, 500, "api_error", "internal_error")
    assert b"SELECT" not in response.content
    assert b"Traceback" not in response.content


def test_unknown_api_route_names_the_method_and_path(api_client):
    response = api_client.delete("/v1/nope")

    assert response.json()["error"]["message"] == "Unrecognized request URL (DELETE: /v1/nope)."
