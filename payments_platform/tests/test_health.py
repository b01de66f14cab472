"""Liveness and readiness probes."""

import pytest
from django.test import override_settings

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


def test_health_is_200_ok_without_auth(api_client):
    response = api_client.get("/health")

    assert response.status_code == 200
    assert response.json()["data"] == {"status": "ok"}


@pytest.mark.django_db
def test_health_makes_no_database_query(api_client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api_client.get("/health")

    assert response.status_code == 200


def test_health_ignores_a_bad_bearer_token(api_client):
    response = api_client.get("/health", HTTP_AUTHORIZATION="Bearer not-a-token")

    assert response.status_code == 200


@pytest.mark.django_db
def test_health_is_served_over_http_when_https_redirect_is_on(api_client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert api_client.get("/health").status_code == 200
    assert api_client.get("/ready").status_code == 200
    assert api_client.get("/v1/me").status_code == 301


@pytest.mark.django_db
def test_ready_is_200_when_database_cache_and_nats_answer(api_client):
    response = api_client.get("/ready")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "ok"
    assert data["components"]["database"]["status"] == "ok"
    assert data["components"]["cache"]["status"] == "ok"
    assert data["components"]["nats"]["status"] == "ok"


@pytest.mark.django_db
def test_ready_leaves_nats_out_when_no_nats_url_is_configured(api_client, settings):
    settings.NATS_URL = ""

    response = api_client.get("/ready")

    assert response.status_code == 200
    assert set(response.json()["data"]["components"]) == {"database", "cache"}


@pytest.mark.django_db
def test_ready_is_503_with_per_component_status_when_the_cache_is_unreachable(api_client):
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = api_client.get("/ready")

    assert response.status_code == 503
    error = response.json()["error"]
    assert error["type"] == "api_error"
    assert error["code"] == "service_unavailable"
    assert error["components"]["cache"]["status"] == "unavailable"
    assert error["components"]["cache"]["error"]
    assert error["components"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_ready_checks_nats_when_configured_and_reports_it_down(api_client, settings):
    settings.NATS_URL = "nats://127.0.0.1:1"

    response = api_client.get("/ready")

    assert response.status_code == 503
    assert response.json()["error"]["components"]["nats"]["status"] == "unavailable"


@pytest.mark.django_db
def test_ready_answers_within_about_a_second_when_a_dependency_hangs(api_client, settings):
    import socket
    import time

    with socket.socket() as silent:  # accepts connections, never says a word (a hung NATS)
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.NATS_URL = f"nats://127.0.0.1:{silent.getsockname()[1]}"
        started = time.perf_counter()
        response = api_client.get("/ready")
        elapsed = time.perf_counter() - started

    assert response.status_code == 503
    assert response.json()["error"]["components"]["nats"]["status"] == "unavailable"
    assert elapsed < 1.5
