"""Helpers of the dispute tests: disputed payments made through the API, and the simulated
processor's notifications delivered either in-process (the real view, signed) or over real HTTP
(`platform_server`: this Django project served on a port of 18440-18499)."""

import pytest
from django.test import TestCase
from django.test.testcases import LiveServerThread, _StaticFilesHandler

from payments.models import ConnectorNotification, Dispute, PaymentIntent, SimulatorNotification
from payments.sandbox.notifications import signed_request
from payments.tests.factories import payment_method

DISPUTE_CARDS = {
    "fraudulent": "4000000000000259",
    "product_not_received": "4000000000002685",
    "inquiry": "4000000000001976",
}


def paid_intent(client, user, wallet, *, card: str = DISPUTE_CARDS["fraudulent"], amount: int = 10_000, **fields):
    """A payment of `amount` by `card` into `wallet`, confirmed (and captured) through the API."""
    method = payment_method(user, number=card)
    body = {
        "amount": amount,
        "currency": wallet.currency,
        "wallet": wallet.public_id,
        "payment_method": method.public_id,
        "confirm": True,
        **fields,
    }
    response = client.post("/v1/payment_intents", body, format="json")
    assert response.status_code == 201, response.json()
    return PaymentIntent.objects.get(public_id=response.json()["data"]["id"])


def notification_for(intent: PaymentIntent, type: str = "dispute.created") -> SimulatorNotification:
    return SimulatorNotification.objects.get(charge_reference=intent.connector_reference, type=type)


def deliver(api_client, notification: SimulatorNotification, *, headers: dict | None = None, body: bytes | None = None):
    """POST the notification to the platform's endpoint as the processor would: signed, raw body."""
    signed_body, signed_headers = signed_request(notification)
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in (headers or signed_headers).items()}
    extra.pop("HTTP_CONTENT_TYPE", None)
    return api_client.generic(
        "POST",
        f"/v1/connectors/{notification.connector}/notifications",
        data=signed_body if body is None else body,
        content_type="application/json",
        **extra,
    )


def open_dispute(api_client, intent: PaymentIntent) -> Dispute:
    """Deliver the intent's dispute.created notification; return the dispute it opened."""
    response = deliver(api_client, notification_for(intent))
    assert response.status_code == 200, response.json()
    return Dispute.objects.get(intent=intent)


def submit_evidence(client, dispute: Dispute, text: str):
    """Submit `uncategorized_text` evidence as the owner, running the after-commit send to the
    processor (the test's transaction never commits)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            f"/v1/disputes/{dispute.public_id}",
            {"evidence": {"uncategorized_text": text}, "submit": True},
            format="json",
        )
    assert response.status_code == 200, response.json()
    return response


def rule(api_client, dispute: Dispute) -> ConnectorNotification:
    """Deliver the processor's ruling on `dispute` (written when evidence with a test phrase was submitted)."""
    notification = SimulatorNotification.objects.get(
        type="dispute.closed", payload__data__dispute=dispute.processor_reference
    )
    response = deliver(api_client, notification)
    assert response.status_code == 200, response.json()
    return ConnectorNotification.objects.get(notification_id=notification.notification_id)


@pytest.fixture
def platform_server(transactional_db, settings):
    """This project served over real HTTP (a thread), at CONNECTOR_NOTIFICATION_BASE_URL."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    thread = None
    for port in range(18440, 18500):
        candidate = LiveServerThread("127.0.0.1", _StaticFilesHandler, port=port)
        candidate.daemon = True
        candidate.start()
        candidate.is_ready.wait()
        if candidate.error is None:
            thread = candidate
            break
        candidate.join()
    assert thread is not None, "no free port in 18440-18499"
    settings.CONNECTOR_NOTIFICATION_BASE_URL = f"http://127.0.0.1:{thread.port}"
    yield settings.CONNECTOR_NOTIFICATION_BASE_URL
    thread.terminate()
