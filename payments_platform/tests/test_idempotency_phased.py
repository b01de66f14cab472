"""The phased idempotency mode, for views that call the outside world (card connectors).

The key is committed as "in progress" before the view runs; the view commits its own steps;
the response is stored afterwards (or the key deleted on 400/5xx).
"""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import OperationalError, connection
from django.utils import timezone

from payments_platform.api.idempotency import fingerprint
from payments_platform.models import IdempotencyKey
from payments_platform.tests.factories import IdempotencyKeyFactory
from payments_platform.tests.support import client_for, run_in_threads
from payments_platform.tests.urls import EFFECT_ACTION

pytestmark = pytest.mark.usefixtures("test_urls")
URL = "/v1/test/phased-effects"


def effect_count() -> int:
    return apps.get_model("accounts", "AuditLogEntry").objects.filter(action=EFFECT_ACTION).count()


def post(client, body, key="phased-key"):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def in_progress_key(user, body, *, locked_seconds_ago: int) -> IdempotencyKey:
    """A key as a request that crashed mid-way leaves it: claimed, no response."""
    return IdempotencyKeyFactory(
        user=user,
        key="phased-key",
        request_method="POST",
        request_path=URL,
        request_fingerprint=fingerprint(body),
        locked_at=timezone.now() - timedelta(seconds=locked_seconds_ago),
    )


def test_phased_replay_returns_the_first_response_without_a_second_effect(auth_client):
    first = post(auth_client, {"note": "a"})
    second = post(auth_client, {"note": "a"})

    assert first.status_code == second.status_code == 201
    assert second.json()["data"] == first.json()["data"]
    assert second["Idempotent-Replayed"] == "true"
    assert effect_count() == 1


def test_phased_key_with_a_different_body_is_400_idempotency_key_reused(auth_client):
    post(auth_client, {"note": "a"})

    response = post(auth_client, {"note": "b"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_phased_validation_failure_deletes_the_key_so_a_corrected_retry_runs(auth_client):
    assert post(auth_client, {}).status_code == 400
    assert not IdempotencyKey.objects.exists()

    assert post(auth_client, {"note": "fixed"}).status_code == 201


def test_phased_key_still_in_progress_is_409_idempotency_key_in_use(auth_client, user):
    in_progress_key(user, {"note": "a"}, locked_seconds_ago=1)

    response = post(auth_client, {"note": "a"})

    assert response.status_code == 409
    assert response.json()["error"]["type"] == "idempotency_error"
    assert response.json()["error"]["code"] == "idempotency_key_in_use"
    assert effect_count() == 0


def test_phased_key_left_in_progress_by_a_crash_is_taken_over_once_stale(auth_client, user, settings):
    settings.IDEMPOTENCY_STALE_SECONDS = 60
    in_progress_key(user, {"note": "a"}, locked_seconds_ago=61)

    response = post(auth_client, {"note": "a"})

    assert response.status_code == 201
    assert effect_count() == 1
    assert IdempotencyKey.objects.get(key="phased-key").response_status == 201


@pytest.mark.django_db(transaction=True)
def test_phased_concurrent_requests_with_one_key_have_exactly_one_effect(user):
    """The first request holds the key for 0.5 s; the second is told the key is in use."""
    responses = [None, None]

    def send(index: int) -> None:
        responses[index] = post(client_for(user), {"note": "race", "delay": 0.5}, key="race-key")

    run_in_threads(2, send, timeout=20)

    assert sorted(r.status_code for r in responses) == [201, 409]
    assert effect_count() == 1


def _fail_key_writes(execute, sql, params, many, context):
    """Fault injection: the database goes away just as the key's outcome is written."""
    if "idempotencykey" in sql and sql.lstrip().upper().startswith(("UPDATE", "DELETE")):
        raise OperationalError("server closed the connection unexpectedly")
    return execute(sql, params, many, context)


@pytest.mark.django_db(transaction=True)  # as in production: no transaction around the view
def test_phased_success_is_answered_when_the_database_fails_while_storing_the_response(auth_client):
    with connection.execute_wrapper(_fail_key_writes):
        response = post(auth_client, {"note": "a"})

    assert response.status_code == 201
    assert effect_count() == 1
    assert IdempotencyKey.objects.get().response_status is None  # in progress: 409 until stale


@pytest.mark.django_db(transaction=True)  # as in production: no transaction around the view
def test_phased_refusal_is_answered_when_the_database_fails_while_releasing_the_key(auth_client):
    with connection.execute_wrapper(_fail_key_writes):
        response = post(auth_client, {})

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
