"""`POST /v1/auth/register` with an Idempotency-Key: unauthenticated, so scoped to the key alone."""

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from payments_platform.models import IdempotencyKey
from payments_platform.tests.support import run_in_threads

URL = "/v1/auth/register"
BODY = {"email": "new@example.com", "password": "Correct-Horse-42-battery"}


def register(body=BODY, key="reg-1", client=None):
    return (client or APIClient()).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_a_repeated_registration_with_the_same_key_replays_the_first_answer():
    first = register()
    second = register()

    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["data"] == first.json()["data"]
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_the_stored_key_of_a_registration_has_no_user_and_no_password():
    register()

    stored = IdempotencyKey.objects.get()
    assert stored.user_id is None
    assert BODY["password"] not in str(stored.response_body) + stored.request_fingerprint


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_idempotency_key_reused():
    register()

    response = register({**BODY, "email": "other@example.com"})

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "idempotency_error"
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_without_a_key_a_second_registration_is_still_email_taken():
    register(key="reg-1")

    response = APIClient().post(URL, BODY, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "email_taken"


@pytest.mark.django_db
def test_a_registration_that_failed_validation_stores_no_key_so_a_retry_succeeds():
    weak = register({**BODY, "password": "short"})
    retry = register()

    assert weak.status_code == 400
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry


@pytest.mark.django_db
def test_an_unauthenticated_key_and_a_users_key_of_the_same_name_do_not_collide(auth_client):
    register(key="shared-name")

    response = auth_client.post("/v1/wallets", {"currency": "usd"}, format="json", HTTP_IDEMPOTENCY_KEY="shared-name")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_with_one_key_create_one_user():
    """Real threads, each on its own connection: the second INSERT of the key waits on the unique
    index until the first commits, then replays; or answers 409 in use. Either way, one user."""
    responses = []
    run_in_threads(4, lambda _: responses.append(register()))

    assert User.objects.filter(email=BODY["email"]).count() == 1
    assert {r.status_code for r in responses} <= {201, 409}
    created = [r for r in responses if r.status_code == 201]
    assert len({r.json()["data"]["id"] for r in created}) == 1
    assert sum(1 for r in created if "Idempotent-Replayed" not in r) == 1
