"""The payments context's metrics: each connector's circuit state at scrape time."""

import pytest
from django.core.cache import cache
from prometheus_client import REGISTRY

from payments.metrics import collect
from payments.routing import breaker_record_failure, breaker_record_success, breaker_states
from payments.tests.support import create_intent


def circuit_gauge() -> dict[str, float]:
    (family,) = collect()
    return {sample.labels["connector"]: sample.value for sample in family.samples}


@pytest.fixture(autouse=True)
def _closed_breakers():
    cache.clear()
    yield
    cache.clear()


def test_every_configured_connector_reports_a_closed_circuit_by_default(settings):
    assert circuit_gauge() == dict.fromkeys(settings.PAYMENT_CONNECTORS, 0)


def test_a_connector_whose_breaker_opened_reports_an_open_circuit(settings):
    for _ in range(settings.PAYMENT_CIRCUIT_BREAKER_THRESHOLD):
        breaker_record_failure("simulator_a")

    assert circuit_gauge() == {"simulator_a": 1, "simulator_b": 0}


def test_a_success_closes_the_reported_circuit_again(settings):
    for _ in range(settings.PAYMENT_CIRCUIT_BREAKER_THRESHOLD):
        breaker_record_failure("simulator_a")
    breaker_record_success("simulator_a")

    assert breaker_states() == {"simulator_a": False, "simulator_b": False}


@pytest.mark.django_db
def test_a_succeeded_payment_intent_is_counted_by_status_and_connector(
    auth_client, wallet, visa, django_capture_on_commit_callbacks
):
    labels = {"status": "succeeded", "connector": "simulator_a"}
    before = REGISTRY.get_sample_value("payments_payment_intents_total", labels) or 0.0

    with django_capture_on_commit_callbacks(execute=True):
        pi = create_intent(auth_client, wallet, visa).json()["data"]["id"]
        confirmed = auth_client.post(f"/v1/payment_intents/{pi}/confirm", {}, format="json").json()["data"]

    assert confirmed["status"] == "succeeded"
    assert REGISTRY.get_sample_value("payments_payment_intents_total", labels) == before + 1


@pytest.mark.django_db
def test_an_opened_dispute_is_counted_by_its_status(
    auth_client, api_client, user, wallet, django_capture_on_commit_callbacks
):
    from payments.tests.disputes_support import open_dispute, paid_intent

    before = REGISTRY.get_sample_value("payments_disputes_total", {"status": "needs_response"}) or 0.0
    intent = paid_intent(auth_client, user, wallet)

    with django_capture_on_commit_callbacks(execute=True):
        dispute = open_dispute(api_client, intent)

    assert dispute.status == "needs_response"
    assert REGISTRY.get_sample_value("payments_disputes_total", {"status": "needs_response"}) == before + 1
