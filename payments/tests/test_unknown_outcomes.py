"""Unknown connector outcomes (a timeout after the processor acted) never lead to a second charge,
and every connector call is bounded by its `timeout_seconds` (docs/payments.md, "Crash safety")."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from payments.connectors import connector_get
from payments.connectors.base import AuthorizeRequest, ConnectorTimeout
from payments.models import PaymentAttempt, PaymentIntent, SimulatorOperation
from payments.tests.connectors import FaultySimulator, configure
from payments.tests.factories import payment_method
from payments.tests.support import create_intent
from wallets.tests.factories import available_balance

pytestmark = pytest.mark.django_db

FAULTY = "payments.tests.connectors.FaultySimulator"


@pytest.fixture(autouse=True)
def faulty_first(settings):
    configure(settings, FAULTY)
    FaultySimulator.faults = set()
    yield
    FaultySimulator.faults = set()


def charges() -> list[tuple[str, str]]:
    return list(
        SimulatorOperation.objects.filter(operation="authorize", status="succeeded").values_list(
            "connector", "idempotency_key"
        )
    )


def attempts(data: dict) -> list[tuple]:
    return [(a["connector"], a["status"], a["error_code"]) for a in data["attempts"]]


def test_a_connector_that_charges_then_times_out_is_asked_and_the_payment_succeeds_with_one_charge(
    auth_client, wallet, visa
):
    FaultySimulator.faults = {"charge_then_timeout"}
    response = create_intent(auth_client, wallet, visa, confirm=True)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["status"] == "succeeded"
    assert attempts(data) == [("faulty", "succeeded", None)]
    assert charges() == [("faulty", f"{data['id']}:1")]
    assert available_balance(wallet) == 9680


def test_when_the_connector_cannot_tell_what_it_did_the_intent_stays_processing_and_sync_finishes_it(
    auth_client, wallet, visa
):
    FaultySimulator.faults = {"charge_then_timeout", "retrieve_down"}
    response = create_intent(auth_client, wallet, visa, confirm=True)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["status"] == "processing"
    assert attempts(data) == [("faulty", "pending", None)]
    assert not SimulatorOperation.objects.filter(connector="simulator_b").exists()  # no failover
    assert available_balance(wallet) == 0

    PaymentAttempt.objects.update(updated=timezone.now() - timedelta(minutes=10))
    call_command("sync_payment_attempts")  # still unreachable: left as it is, not failed
    assert PaymentIntent.objects.get(public_id=data["id"]).status == "processing"

    FaultySimulator.faults = set()
    call_command("sync_payment_attempts")
    intent = PaymentIntent.objects.get(public_id=data["id"])
    assert (intent.status, intent.amount_received) == ("succeeded", 10_000)
    assert charges() == [("faulty", f"{data['id']}:1")]
    assert available_balance(wallet) == 9680


def test_a_timeout_before_the_connector_acted_fails_over_once_retrieve_says_it_has_no_record(auth_client, wallet, visa):
    FaultySimulator.faults = {"timeout_before_acting"}
    response = create_intent(auth_client, wallet, visa, confirm=True)
    data = response.json()["data"]
    assert data["status"] == "succeeded"
    assert attempts(data) == [("faulty", "error", "timeout"), ("simulator_b", "succeeded", None)]
    assert charges() == [("simulator_b", f"{data['id']}:2")]


def test_an_unreachable_connector_fails_over_without_being_asked(auth_client, wallet, visa):
    FaultySimulator.faults = {"unreachable", "retrieve_down"}  # retrieve would fail: it is never needed
    data = create_intent(auth_client, wallet, visa, confirm=True).json()["data"]
    assert data["status"] == "succeeded"
    assert attempts(data) == [("faulty", "error", "connector_unavailable"), ("simulator_b", "succeeded", None)]


def test_a_capture_whose_answer_is_lost_is_retrieved_and_posted(auth_client, wallet, visa):
    pi = create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual").json()["data"]["id"]
    FaultySimulator.faults = {"capture_then_timeout"}
    response = auth_client.post(f"/v1/payment_intents/{pi}/capture", {}, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "succeeded"
    assert available_balance(wallet) == 9680


def test_a_capture_of_unknown_outcome_stays_processing_until_sync_finds_it(auth_client, wallet, visa):
    pi = create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual").json()["data"]["id"]
    FaultySimulator.faults = {"capture_then_timeout", "retrieve_down"}
    response = auth_client.post(f"/v1/payment_intents/{pi}/capture", {}, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "processing"
    FaultySimulator.faults = set()
    PaymentIntent.objects.update(updated=timezone.now() - timedelta(minutes=10))
    call_command("sync_payment_attempts")
    assert PaymentIntent.objects.get(public_id=pi).status == "succeeded"
    assert available_balance(wallet) == 9680


def test_a_void_of_unknown_outcome_is_a_502_and_the_intent_still_requires_capture(auth_client, wallet, visa):
    pi = create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual").json()["data"]["id"]
    FaultySimulator.faults = {"void_then_timeout", "retrieve_down"}
    response = auth_client.post(f"/v1/payment_intents/{pi}/cancel", {}, format="json")
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "connector_error"
    assert PaymentIntent.objects.get(public_id=pi).status == "requires_capture"
    FaultySimulator.faults = set()  # the retry voids with the same key
    assert auth_client.post(f"/v1/payment_intents/{pi}/cancel", {}, format="json").json()["data"]["status"] == (
        "canceled"
    )


def test_the_simulator_raises_a_timeout_when_its_latency_exceeds_its_timeout_but_still_acts(settings, user):
    configure(settings, FAULTY, first_options={"latency_ms": 300, "timeout_seconds": 0.05})
    method = payment_method(user)
    connector = connector_get("faulty")
    request = AuthorizeRequest(
        idempotency_key="pi_t:1", vault_token=method.vault_token, amount=100, currency="usd", capture=True
    )
    with pytest.raises(ConnectorTimeout):
        connector.authorize(request)
    assert connector.retrieve("pi_t:1").succeeded
    assert connector.authorize(request).succeeded  # a repeat answers at once with the first result


def test_a_payment_through_a_simulator_slower_than_its_timeout_is_charged_once(auth_client, settings, wallet, visa):
    configure(settings, FAULTY, first_options={"latency_ms": 300, "timeout_seconds": 0.05})
    data = create_intent(auth_client, wallet, visa, confirm=True).json()["data"]
    assert data["status"] == "succeeded"
    assert attempts(data) == [("faulty", "succeeded", None)]
    assert len(charges()) == 1


def test_connector_calls_are_bounded_by_default_well_under_the_worker_timeout():
    from django.conf import settings as django_settings

    for name in django_settings.PAYMENT_CONNECTORS:
        assert 0 < connector_get(name).timeout_seconds <= 10
