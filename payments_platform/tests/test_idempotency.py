"""Idempotency-Key on POST: replay, mismatch, failures not stored, per-user scope, concurrency.

Requests go through a test-only view whose effect is one audit-log row per execution.
"""

import hashlib

import orjson
import pytest
from django.apps import apps

from payments_platform.models import IdempotencyKey
from payments_platform.tests.support import client_for, run_in_threads
from payments_platform.tests.urls import EFFECT_ACTION

pytestmark = pytest.mark.usefixtures("test_urls")
URL = "/v1/test/effects"


def effect_count() -> int:
    return apps.get_model("accounts", "AuditLogEntry").objects.filter(action=EFFECT_ACTION).count()


def post(client, body, key="key-1", path=URL, **headers):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key, **headers)


def test_same_key_and_body_replays_the_first_response_without_a_second_effect(auth_client):
    first = post(auth_client, {"note": "a"})
    second = post(auth_client, {"note": "a"})

    assert first.status_code == second.status_code == 201
    assert second.json()["data"] == first.json()["data"]
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert effect_count() == 1


def test_replay_is_rendered_with_the_current_trace_id(auth_client):
    post(auth_client, {"note": "a"}, HTTP_X_REQUEST_ID="first-request")
    replay = post(auth_client, {"note": "a"}, HTTP_X_REQUEST_ID="retry-request")

    assert replay.json()["trace_id"] == "retry-request"
    assert replay["X-Request-ID"] == "retry-request"


def test_body_key_order_does_not_matter_for_a_replay(auth_client):
    auth_client.post(URL, b'{"note": "a", "delay": 0}', content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    replay = auth_client.post(
        URL, b'{"delay": 0, "note": "a"}', content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert replay["Idempotent-Replayed"] == "true"
    assert effect_count() == 1


def test_same_key_with_a_different_body_is_400_idempotency_key_reused(auth_client):
    post(auth_client, {"note": "a"})

    response = post(auth_client, {"note": "b"})

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "idempotency_error"
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert effect_count() == 1


def test_same_key_on_a_different_path_is_400_idempotency_key_reused(auth_client):
    post(auth_client, {"note": "a"})

    response = post(auth_client, {"note": "a"}, path=URL + "/other")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert effect_count() == 1


@pytest.mark.parametrize("key", ["", "k" * 256], ids=["empty", "256-chars"])
def test_key_outside_1_to_255_chars_is_400_and_runs_nothing(auth_client, key):
    response = post(auth_client, {"note": "a"}, key=key)

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "idempotency_error"
    assert response.json()["error"]["code"] == "idempotency_key_invalid"
    assert effect_count() == 0


def test_key_of_255_chars_is_accepted(auth_client):
    response = post(auth_client, {"note": "a"}, key="k" * 255)

    assert response.status_code == 201


def test_validation_failure_is_not_stored_so_a_corrected_retry_succeeds(auth_client):
    rejected = post(auth_client, {})
    retried = post(auth_client, {"note": "fixed"})

    assert rejected.status_code == 400
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried
    assert effect_count() == 1


def test_crash_is_not_stored_and_its_effect_is_rolled_back(auth_client):
    crashed = post(auth_client, {"note": "crash"})

    assert crashed.status_code == 500
    assert effect_count() == 0
    assert not IdempotencyKey.objects.exists()


def test_retry_after_a_crash_with_the_same_key_runs_again(auth_client):
    post(auth_client, {"note": "crash"})

    retried = post(auth_client, {"note": "ok"})

    assert retried.status_code == 201
    assert effect_count() == 1


def test_key_and_stored_response_are_committed_with_the_effect(auth_client, user):
    response = post(auth_client, {"note": "a"})

    stored = IdempotencyKey.objects.get(user=user, key="key-1")
    assert stored.response_status == 201
    assert stored.response_body == response.json()["data"]
    assert stored.request_method == "POST"
    assert stored.request_path == URL


def test_keys_are_scoped_per_user(auth_client, other_client):
    mine = post(auth_client, {"note": "a"})
    theirs = post(other_client, {"note": "a"})

    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert mine.json()["data"]["token"] != theirs.json()["data"]["token"]
    assert effect_count() == 2


def test_post_without_a_key_runs_every_time(auth_client):
    auth_client.post(URL, {"note": "a"}, format="json")
    auth_client.post(URL, {"note": "a"}, format="json")

    assert effect_count() == 2


def test_unauthenticated_keyed_post_is_401_and_stores_nothing(api_client, db):
    response = post(api_client, {"note": "a"})

    assert response.status_code == 401
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_the_same_key_at_the_same_moment_have_exactly_one_effect(user):
    """Both threads pass the barrier together; the first holds its transaction open for 0.5 s.

    The second blocks on the key's unique index, then replays the committed response.
    """
    responses = [None, None]

    def send(index: int) -> None:
        responses[index] = post(client_for(user), {"note": "race", "delay": 0.5}, key="race-key")

    run_in_threads(2, send, timeout=20)

    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json()["data"] == responses[1].json()["data"]
    assert sorted(r.get("Idempotent-Replayed") for r in responses if r.has_header("Idempotent-Replayed")) == ["true"]
    assert effect_count() == 1
    assert IdempotencyKey.objects.filter(key="race-key").count() == 1


def test_the_stored_request_fingerprint_is_keyed_so_a_body_cannot_be_guessed_from_it(settings):
    from payments_platform.api.idempotency import fingerprint

    body = {"destination": {"account_number": "000123456789"}}
    first = fingerprint(body)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789abcdef"

    assert fingerprint(body) != first
    assert first != hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()
