"""Failed logins are throttled per email and per client IP, in the cache."""

import pytest
from django.test import override_settings

from accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


WRONG_PASSWORD = "wrong password"


def obtain(client, email, password=WRONG_PASSWORD, ip="203.0.113.7"):
    return client.post("/v1/auth/token", {"email": email, "password": password}, format="json", REMOTE_ADDR=ip)


def test_repeated_failures_for_one_email_are_429_with_retry_after(api_client, user, settings):
    for index in range(settings.LOGIN_FAILURE_LIMIT):
        assert obtain(api_client, user.email, ip=f"198.51.100.{index}").status_code == 401

    response = obtain(api_client, user.email, ip="198.51.100.200")

    assert response.status_code == 429
    error = response.json()["error"]
    assert error["type"] == "rate_limit_error"
    assert error["code"] == "login_throttled"
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= settings.LOGIN_FAILURE_WINDOW_SECONDS + 1


def test_throttled_email_is_refused_even_with_the_right_password(api_client, user, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        obtain(api_client, user.email)

    response = obtain(api_client, user.email, password=DEFAULT_PASSWORD, ip="192.0.2.99")

    assert response.status_code == 429


def test_email_throttle_ignores_the_case_of_the_email(api_client, user, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        obtain(api_client, user.email.upper())

    assert obtain(api_client, user.email).status_code == 429


def test_repeated_failures_from_one_ip_are_429_across_emails(api_client, user, settings):
    for index in range(settings.LOGIN_FAILURE_LIMIT):
        assert obtain(api_client, f"guess{index}@example.com").status_code == 401

    response = obtain(api_client, user.email, password=DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert "Retry-After" in response


def test_failures_below_the_limit_do_not_block_a_correct_login(api_client, user, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        obtain(api_client, user.email)

    assert obtain(api_client, user.email, password=DEFAULT_PASSWORD).status_code == 200


def test_other_emails_and_ips_are_not_affected(api_client, user, other_user, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        obtain(api_client, user.email)

    response = obtain(api_client, other_user.email, password=DEFAULT_PASSWORD, ip="192.0.2.1")

    assert response.status_code == 200


def test_the_cache_holds_no_email_address(api_client, user):
    from django_redis import get_redis_connection

    obtain(api_client, user.email)

    keys = [key.decode() for key in get_redis_connection("default").keys("*login-failures*")]
    assert keys
    assert not any(user.email in key for key in keys)


def test_logins_are_not_throttled_when_the_cache_is_down(api_client, user, settings):
    with override_settings(CACHES=UNREACHABLE_REDIS):
        statuses = [obtain(api_client, user.email).status_code for _ in range(settings.LOGIN_FAILURE_LIMIT + 2)]
        success = obtain(api_client, user.email, password=DEFAULT_PASSWORD)

    assert set(statuses) == {401}
    assert success.status_code == 200


def test_registration_works_when_the_cache_is_down(api_client):
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = api_client.post(
            "/v1/auth/register", {"email": "ada@example.com", "password": "violet-harbour-quantum-88"}, format="json"
        )

    assert response.status_code == 201
