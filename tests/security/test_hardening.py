"""Hardening: security headers, the admin's gate, request size and depth limits, bounded lists.

`check --deploy` for production settings: payments_platform/tests/test_settings.py.
SSRF address classes: webhooks/tests/test_ssrf.py and tests/security/test_ssrf_address_classes.py.
"""

import json

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.security.builders import World
from tests.security.routes import list_routes
from tests.security.test_ownership import client_for

pytestmark = pytest.mark.django_db

ADMIN_PASSWORD = "admin-password-for-tests-1"


# --- Security headers --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/me", "/v1/schema", "/health", "/admin/login/", "/v1/no-such-route"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_https_responses_carry_hsts_when_https_only(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True

    response = client.get("/health", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_plain_http_api_requests_are_redirected_to_https_when_https_only(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/v1/me")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/v1/me"


def test_api_responses_set_no_cookies(client, user):
    response = client.post("/v1/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}, "application/json")

    assert response.status_code == 200
    assert not response.cookies


# --- Admin --------------------------------------------------------------------------


@pytest.fixture
def staff():
    return User.objects.create_superuser(email="ops@example.com", password=ADMIN_PASSWORD)


def admin_login(client, email, password, ip="203.0.113.9"):
    return client.post("/admin/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_admin_redirects_anonymous_visitors_to_its_login(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_refuses_a_logged_in_user_who_is_not_staff(client):
    client.force_login(UserFactory())

    response = client.get("/admin/wallets/wallet/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_login_refuses_a_non_staff_user_with_the_right_password(client, user):
    response = admin_login(client, user.email, DEFAULT_PASSWORD)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_admin_login_works_for_staff(client, staff):
    response = admin_login(client, staff.email, ADMIN_PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_admin_login_is_throttled_after_repeated_failures_even_with_the_right_password(client, staff, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert admin_login(client, staff.email, "wrong password").status_code == 200

    response = admin_login(client, staff.email, ADMIN_PASSWORD)

    assert response.status_code == 200
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_admin_login_throttle_counts_failures_per_ip_across_emails(client, staff, settings):
    for index in range(settings.LOGIN_FAILURE_LIMIT):
        admin_login(client, f"guess{index}@example.com", "wrong password", ip="198.51.100.77")

    response = admin_login(client, staff.email, ADMIN_PASSWORD, ip="198.51.100.77")

    assert b"Too many failed login attempts" in response.content


def test_admin_and_api_logins_share_the_failure_counter(client, api_client, staff, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        admin_login(client, staff.email, "wrong password")

    response = api_client.post("/v1/auth/token", {"email": staff.email, "password": ADMIN_PASSWORD}, format="json")

    assert response.status_code == 429


def test_failures_below_the_limit_do_not_block_the_admin_login(client, staff, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        admin_login(client, staff.email, "wrong password")

    assert admin_login(client, staff.email, ADMIN_PASSWORD).status_code == 302


# --- Request limits -------------------------------------------------------------------


def test_a_body_over_the_size_limit_is_refused_before_parsing(auth_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"currency": "usd", "padding": "x" * 20_000})

    response = auth_client.post("/v1/wallets", body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert response.json()["success"] is False


def test_a_body_under_the_size_limit_is_accepted(auth_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = auth_client.post("/v1/wallets", {"currency": "usd", "padding": "x" * 1_000}, format="json")

    assert response.status_code in (201, 400)
    assert response.status_code != 413


def test_json_nested_deeper_than_the_limit_is_400(auth_client, settings):
    nested: dict = {}
    for _ in range(settings.MAX_JSON_DEPTH + 1):
        nested = {"a": nested}

    response = auth_client.post("/v1/wallets", {"currency": "usd", "metadata": nested}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_json_at_the_depth_limit_is_parsed(auth_client, settings):
    nested: dict = {}
    for _ in range(settings.MAX_JSON_DEPTH - 2):
        nested = {"a": nested}

    response = auth_client.post("/v1/wallets", {"currency": "usd", "extra": nested}, format="json")

    assert response.json()["error"] is None or response.json()["error"]["code"] != "parse_error"


def test_very_deep_json_is_refused_without_a_crash(auth_client):
    body = '{"a":' * 100_000 + "1" + "}" * 100_000

    response = auth_client.post("/v1/wallets", body, content_type="application/json")

    assert response.status_code in (400, 413)


# --- Lists are bounded ----------------------------------------------------------------


@pytest.fixture
def world(settings) -> World:
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    return World(owner=client_for(UserFactory()), bystander=client_for(UserFactory()))


def list_path(world: World, route) -> str:
    if not route.kwargs:
        return reverse(route.name)
    return reverse(route.name, kwargs=dict.fromkeys(route.kwargs, world.get(route.basename)))


@pytest.mark.parametrize("route", list_routes(), ids=lambda route: route.name)
def test_every_list_refuses_a_limit_above_100(world, route):
    response = world.owner.get(list_path(world, route), {"limit": 101})

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "limit"


@pytest.mark.parametrize("route", list_routes(), ids=lambda route: route.name)
def test_every_list_is_a_page_with_has_more(world, route):
    response = world.owner.get(list_path(world, route), {"limit": 100})

    assert response.status_code == 200, response.content
    page = response.json()["data"]
    assert page["object"] == "list"
    assert isinstance(page["has_more"], bool)
    assert len(page["data"]) <= 100


# --- Inputs PostgreSQL cannot store (found by schemathesis) -----------------------------


def test_a_nul_character_in_a_json_string_is_400_not_500(auth_client):
    response = auth_client.post("/v1/wallets", '{"currency": "usd\\u0000"}', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


@pytest.mark.parametrize("param", ["starting_after", "ending_before"])
def test_a_malformed_cursor_is_400_naming_it(auth_client, param):
    response = auth_client.get("/v1/wallets", {param: "wal_\x00'"})

    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


def test_a_nul_character_in_any_query_parameter_is_400(auth_client):
    response = auth_client.get("/v1/events", {"type": "transfer.created\x00"})

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "type"
