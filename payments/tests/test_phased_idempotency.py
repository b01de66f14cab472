"""Keyed requests that call a connector run in the phased idempotency mode: the key is committed
as in progress, the pending attempt is committed before the connector is called, a concurrent
duplicate is 409 idempotency_key_in_use, and the response (a 402 decline too) is stored and replayed."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from payments.models import PaymentAttempt, PaymentIntent, Refund, SimulatorOperation
from payments.rest.views import PaymentIntentViewSet, RefundViewSet
from payments.services import payment_intent_create, refund_create
from payments.tests.connectors import WitnessSimulator, configure
from payments.tests.factories import CARDS, payment_method
from payments.tests.support import create_intent
from payments_platform.models import IdempotencyKey
from payments_platform.tests.support import bearer
from wallets.tests.factories import available_balance

WITNESS = "payments.tests.connectors.WitnessSimulator"


@pytest.fixture
def witness(settings):
    configure(settings, WITNESS)
    WitnessSimulator.seen = []
    WitnessSimulator.hold = False
    WitnessSimulator.entered = threading.Event()
    WitnessSimulator.release = threading.Event()
    yield WitnessSimulator
    WitnessSimulator.release.set()
    WitnessSimulator.hold = False


def keyed(client, path, body, key):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_every_connector_calling_action_is_phased_and_the_others_are_not():
    assert PaymentIntentViewSet.phased_actions == {"create", "confirm", "capture", "cancel"}
    assert RefundViewSet.phased_actions == {"create"}


@pytest.mark.django_db(transaction=True)
def test_a_keyed_confirm_commits_its_pending_attempt_before_calling_the_connector(auth_client, wallet, visa, witness):
    pi = create_intent(auth_client, wallet, visa).json()["data"]["id"]
    response = keyed(auth_client, f"/v1/payment_intents/{pi}/confirm", {}, "confirm-1")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "succeeded"
    assert witness.seen == [True]


@pytest.mark.django_db(transaction=True)
def test_a_keyed_create_and_confirm_commits_its_pending_attempt_before_calling_the_connector(
    auth_client, wallet, visa, witness
):
    response = keyed(auth_client, "/v1/payment_intents", _body(wallet, visa), "create-1")
    assert response.status_code == 201
    assert witness.seen == [True]


def _body(wallet, method, **fields):
    return {
        "amount": 10_000,
        "currency": "usd",
        "wallet": wallet.public_id,
        "payment_method": method.public_id,
        "confirm": True,
        **fields,
    }


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_duplicate_gets_409_and_a_later_retry_replays_the_first_response(user, wallet, visa, witness):
    witness.hold = True
    body = _body(wallet, visa)
    first: list = []

    def run_first() -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=bearer(user))
            first.append(keyed(client, "/v1/payment_intents", body, "dup-1"))
        finally:
            connection.close()

    thread = threading.Thread(target=run_first)
    thread.start()
    assert witness.entered.wait(10)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    duplicate = keyed(client, "/v1/payment_intents", body, "dup-1")
    witness.release.set()
    thread.join(15)

    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "idempotency_key_in_use"
    assert first[0].status_code == 201
    replay = keyed(client, "/v1/payment_intents", body, "dup-1")
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["data"]["id"] == first[0].json()["data"]["id"]
    assert PaymentIntent.objects.count() == 1
    assert SimulatorOperation.objects.filter(operation="authorize").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_keyed_decline_is_stored_and_replayed_with_one_attempt(auth_client, user, wallet):
    method = payment_method(user, CARDS["generic_decline"])
    first = keyed(auth_client, "/v1/payment_intents", _body(wallet, method), "decline-1")
    again = keyed(auth_client, "/v1/payment_intents", _body(wallet, method), "decline-1")
    assert first.status_code == again.status_code == 402
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["error"] == first.json()["error"]
    assert first.json()["error"]["decline_code"] == "generic_decline"
    assert PaymentAttempt.objects.count() == 1
    intent = PaymentIntent.objects.get()
    assert intent.status == "requires_payment_method"


@pytest.mark.django_db(transaction=True)
def test_a_keyed_refund_is_replayed_without_a_second_refund(auth_client, wallet, visa):
    pi = create_intent(auth_client, wallet, visa, confirm=True).json()["data"]["id"]
    first = keyed(auth_client, "/v1/refunds", {"payment_intent": pi, "amount": 1000}, "refund-1")
    again = keyed(auth_client, "/v1/refunds", {"payment_intent": pi, "amount": 1000}, "refund-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["data"]["status"] == "succeeded"  # phased: the connector answered within the request
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert Refund.objects.count() == 1
    assert available_balance(wallet) == 9680 - (1000 - 32)  # 32: the refund's share of the 3.20 fee


@pytest.mark.django_db(transaction=True)
def test_a_keyed_request_that_fails_validation_leaves_no_key(auth_client, wallet, visa):
    response = keyed(auth_client, "/v1/payment_intents", _body(wallet, visa, amount=0), "bad-1")
    assert response.status_code == 400
    assert not IdempotencyKey.objects.filter(key="bad-1").exists()


@pytest.mark.django_db
def test_a_create_run_again_under_the_same_claim_returns_the_same_intent_and_charges_once(user, wallet, visa):
    """A keyed create whose process died after charging, re-run by a retry that took over the key."""
    fields = {"user": user, "amount": 10_000, "currency": "usd", "wallet": wallet.public_id}
    first = payment_intent_create(**fields, payment_method=visa.public_id, confirm=True, idempotency_claim=41)
    again = payment_intent_create(**fields, payment_method=visa.public_id, confirm=True, idempotency_claim=41)
    assert again.pk == first.pk
    assert again.status == "succeeded"
    assert SimulatorOperation.objects.filter(operation="authorize").count() == 1
    assert available_balance(wallet) == 9680


@pytest.mark.django_db
def test_a_create_run_again_before_its_confirm_began_confirms_the_same_intent(user, wallet, visa):
    fields = {"user": user, "amount": 10_000, "currency": "usd", "wallet": wallet.public_id}
    created = payment_intent_create(**fields, payment_method=visa.public_id, idempotency_claim=42)  # then a crash
    again = payment_intent_create(**fields, payment_method=visa.public_id, confirm=True, idempotency_claim=42)
    assert again.pk == created.pk
    assert again.status == "succeeded"


@pytest.mark.django_db
def test_a_refund_run_again_under_the_same_claim_returns_the_same_refund(user, wallet, visa):
    intent = payment_intent_create(
        user=user, amount=10_000, currency="usd", wallet=wallet.public_id, payment_method=visa.public_id, confirm=True
    )
    first = refund_create(user=user, payment_intent=intent.public_id, amount=500, idempotency_claim=43)
    again = refund_create(user=user, payment_intent=intent.public_id, amount=500, idempotency_claim=43)
    assert again.pk == first.pk
    assert Refund.objects.count() == 1
    assert available_balance(wallet) == 9680 - (500 - 16)  # 16: the refund's share of the 3.20 fee
