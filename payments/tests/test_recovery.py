"""Crash recovery (sync_payment_attempts) and expiry (expire_payment_intents).

A crash between the connector call and our commit is staged by calling the connector the way
the request would have, and leaving our rows as the crash would have left them.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from payments.connectors import connector_get
from payments.connectors.base import AuthorizeRequest, CaptureRequest
from payments.models import PaymentAttempt, PaymentIntent, Refund, SimulatorOperation
from payments.services import payment_intent_confirm, payment_intent_create
from payments.services.confirm import payment_intent_confirm_begin
from payments.tests.factories import payment_method
from payments.tests.support import create_intent
from wallets.tests.factories import available_balance

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(minutes=10)


def crashed_confirm(user, wallet, *, charged: bool, capture: bool = True):
    """Confirm got as far as the pending attempt (committed); the connector did (or did not) charge; then a crash."""
    method = payment_method(user)
    intent = payment_intent_create(
        user=user,
        amount=10_000,
        currency="usd",
        wallet=wallet.public_id,
        payment_method=method.public_id,
        capture_method="automatic" if capture else "manual",
    )
    plan = payment_intent_confirm_begin(intent=intent, method=intent.payment_method)
    if charged:
        connector_get(plan.attempt.connector).authorize(
            AuthorizeRequest(
                idempotency_key=plan.attempt.idempotency_key,
                vault_token=method.vault_token,
                amount=10_000,
                currency="usd",
                capture=capture,
            )
        )
    PaymentAttempt.objects.filter(pk=plan.attempt.pk).update(updated=timezone.now() - LONG_AGO)
    return intent


def sync() -> str:
    out = StringIO()
    call_command("sync_payment_attempts", stdout=out)
    return out.getvalue()


def test_a_pending_attempt_charged_at_the_connector_is_finished_by_sync_without_charging_twice(user, wallet):
    intent = crashed_confirm(user, wallet, charged=True)
    assert PaymentIntent.objects.get(pk=intent.pk).status == "processing"
    output = sync()
    assert "attempts: 1 succeeded" in output
    intent.refresh_from_db()
    assert (intent.status, intent.amount_received) == ("succeeded", 10_000)
    assert available_balance(wallet) == 9680
    assert SimulatorOperation.objects.filter(operation="authorize").count() == 1
    sync()  # a second run finds nothing to do
    assert available_balance(wallet) == 9680
    assert PaymentAttempt.objects.get(intent=intent).status == "succeeded"


def test_a_pending_manual_attempt_authorized_at_the_connector_becomes_requires_capture(user, wallet):
    intent = crashed_confirm(user, wallet, charged=True, capture=False)
    sync()
    intent.refresh_from_db()
    assert (intent.status, intent.amount_capturable) == ("requires_capture", 10_000)


def test_a_pending_attempt_the_connector_never_received_fails_the_intent(user, wallet):
    intent = crashed_confirm(user, wallet, charged=False)
    assert "connector_has_no_record" in sync()
    intent.refresh_from_db()
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error["code"] == "processing_error"
    assert available_balance(wallet) == 0


def test_a_recent_pending_attempt_is_left_to_its_request(user, wallet):
    intent = crashed_confirm(user, wallet, charged=True)
    PaymentAttempt.objects.filter(intent=intent).update(updated=timezone.now())
    assert "attempts: none pending" in sync()
    assert PaymentIntent.objects.get(pk=intent.pk).status == "processing"


def test_a_confirm_retried_after_a_rollback_reuses_the_attempt_key_and_is_not_charged_twice(user, wallet):
    """A keyed request's transaction rolled back after the connector charged: our rows are gone,
    the connector's are not. The retry reaches attempt 1 again, so the same key."""
    method = payment_method(user)
    intent = payment_intent_create(
        user=user, amount=10_000, currency="usd", wallet=wallet.public_id, payment_method=method.public_id
    )
    connector_get("simulator_a").authorize(
        AuthorizeRequest(
            idempotency_key=f"{intent.public_id}:1",
            vault_token=method.vault_token,
            amount=10_000,
            currency="usd",
            capture=True,
        )
    )
    payment_intent_confirm(user=user, public_id=intent.public_id)
    assert SimulatorOperation.objects.filter(operation="authorize").count() == 1
    assert PaymentIntent.objects.get(pk=intent.pk).status == "succeeded"
    assert available_balance(wallet) == 9680


def test_a_capture_that_went_through_before_a_crash_is_posted_by_sync(auth_client, wallet, visa):
    pi = create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual").json()["data"]["id"]
    intent = PaymentIntent.objects.get(public_id=pi)
    connector_get(intent.connector).capture(
        CaptureRequest(
            idempotency_key=f"{pi}:capture", reference=intent.connector_reference, amount=7000, currency="usd"
        )
    )
    PaymentIntent.objects.filter(pk=intent.pk).update(
        status="processing", capture_requested_amount=7000, updated=timezone.now() - LONG_AGO
    )
    assert "captures: 1 succeeded" in sync()
    intent.refresh_from_db()
    assert (intent.status, intent.amount_received) == ("succeeded", 7000)
    assert available_balance(wallet) == 7000 - 233


def test_a_pending_refund_is_sent_by_sync(auth_client, wallet, visa):
    pi = create_intent(auth_client, wallet, visa, confirm=True).json()["data"]["id"]
    refund_id = auth_client.post("/v1/refunds", {"payment_intent": pi, "amount": 100}, format="json").json()["data"][
        "id"
    ]
    Refund.objects.filter(public_id=refund_id).update(updated=timezone.now() - LONG_AGO)
    assert "refunds: 1 succeeded" in sync()
    assert Refund.objects.get(public_id=refund_id).status == "succeeded"
    assert SimulatorOperation.objects.filter(operation="refund").count() == 1


def test_expire_cancels_only_authorizations_older_than_seven_days(auth_client, user, wallet, visa):
    old = create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual").json()["data"]["id"]
    recent = create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual").json()["data"]["id"]
    PaymentIntent.objects.filter(public_id=old).update(created=timezone.now() - timedelta(days=8))
    PaymentIntent.objects.filter(public_id=recent).update(created=timezone.now() - timedelta(days=6))
    out = StringIO()
    call_command("expire_payment_intents", stdout=out)
    assert "Canceled 1" in out.getvalue()
    old_intent = PaymentIntent.objects.get(public_id=old)
    assert (old_intent.status, old_intent.cancellation_reason) == ("canceled", "automatic")
    assert PaymentIntent.objects.get(public_id=recent).status == "requires_capture"
    assert SimulatorOperation.objects.filter(operation="void").count() == 1
