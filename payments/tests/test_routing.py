"""Routing, failover, no retry on declines, the circuit breaker, connector idempotency."""

import pytest
from django.core.cache import cache

from payments import routing
from payments.connectors import connector_get
from payments.connectors.base import AuthorizeRequest
from payments.models import PaymentAttempt, SimulatorOperation
from payments.tests.factories import CARDS, payment_method
from payments.tests.support import create_intent
from wallets.tests.factories import available_balance

pytestmark = pytest.mark.django_db


def test_a_processing_error_on_simulator_a_fails_over_to_simulator_b(auth_client, user, wallet):
    method = payment_method(user, CARDS["processing_error"])
    response = create_intent(auth_client, wallet, method, confirm=True)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["status"] == "succeeded"
    assert [(a["connector"], a["status"], a["error_code"]) for a in data["attempts"]] == [
        ("simulator_a", "error", "processing_error"),
        ("simulator_b", "succeeded", None),
    ]
    keys = list(PaymentAttempt.objects.order_by("attempt_number").values_list("idempotency_key", flat=True))
    assert keys == [f"{data['id']}:1", f"{data['id']}:2"]
    assert available_balance(wallet) == 10_000 - 320


def test_a_decline_is_never_retried_on_another_connector(auth_client, user, wallet):
    method = payment_method(user, CARDS["generic_decline"])
    response = create_intent(auth_client, wallet, method, confirm=True)
    assert response.status_code == 402
    assert list(PaymentAttempt.objects.values_list("connector", "status")) == [("simulator_a", "declined")]
    assert not SimulatorOperation.objects.filter(connector="simulator_b").exists()


def test_when_every_connector_fails_the_payment_fails_with_processing_error(auth_client, user, wallet, settings):
    settings.PAYMENT_ROUTING = {"*": [{"connector": "simulator_a"}]}
    method = payment_method(user, CARDS["processing_error"])
    response = create_intent(auth_client, wallet, method, confirm=True)
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "processing_error"
    assert "decline_code" not in response.json()["error"]


def test_routing_rules_on_currency_amount_and_brand(settings):
    settings.PAYMENT_ROUTING = {
        "usd": [
            {"connector": "simulator_b", "brands": ["mastercard"]},
            {"connector": "simulator_a", "max_amount": 1000},
            {"connector": "simulator_b", "min_amount": 1001},
        ],
        "*": [{"connector": "simulator_a"}],
    }
    assert routing.route(currency="usd", amount=500, brand="visa") == ["simulator_a"]
    assert routing.route(currency="usd", amount=5000, brand="visa") == ["simulator_b"]
    assert routing.route(currency="usd", amount=500, brand="mastercard") == ["simulator_b", "simulator_a"]
    assert routing.route(currency="eur", amount=5000, brand="visa") == ["simulator_a"]


def test_a_payment_with_no_eligible_connector_is_a_503_and_changes_nothing(auth_client, wallet, visa, settings):
    settings.PAYMENT_ROUTING = {"usd": [{"connector": "simulator_a", "max_amount": 100}]}
    response = create_intent(auth_client, wallet, visa)
    pi = response.json()["data"]["id"]
    response = auth_client.post(f"/v1/payment_intents/{pi}/confirm", {}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (503, "connector_unavailable")
    assert auth_client.get(f"/v1/payment_intents/{pi}").json()["data"]["status"] == "requires_confirmation"


def test_the_circuit_opens_after_repeated_technical_failures_and_skips_the_connector(
    auth_client, user, wallet, settings
):
    settings.PAYMENT_CIRCUIT_BREAKER_THRESHOLD = 3
    failing = payment_method(user, CARDS["processing_error"])
    for _ in range(3):
        create_intent(auth_client, wallet, failing, confirm=True)
    assert routing.breaker_is_open("simulator_a")
    visa = payment_method(user)
    data = create_intent(auth_client, wallet, visa, confirm=True).json()["data"]
    assert [attempt["connector"] for attempt in data["attempts"]] == ["simulator_b"]


def test_a_success_closes_the_circuit_count(settings):
    settings.PAYMENT_CIRCUIT_BREAKER_THRESHOLD = 2
    routing.breaker_record_failure("simulator_a")
    routing.breaker_record_success("simulator_a")
    routing.breaker_record_failure("simulator_a")
    assert not routing.breaker_is_open("simulator_a")


def test_the_circuit_is_closed_when_the_cache_is_down(settings, monkeypatch):
    """The cache backend raising stands for Redis being down (the cache itself is not mocked elsewhere)."""

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    settings.PAYMENT_CIRCUIT_BREAKER_THRESHOLD = 1
    for name in ("get", "add", "incr", "set", "delete_many"):
        monkeypatch.setattr(cache, name, down)
    routing.breaker_record_failure("simulator_a")
    routing.breaker_record_success("simulator_a")
    assert routing.breaker_is_open("simulator_a") is False


def test_the_connector_answers_a_repeated_idempotency_key_with_its_first_result(user):
    method = payment_method(user)
    connector = connector_get("simulator_a")
    request = AuthorizeRequest(
        idempotency_key="pi_x:1", vault_token=method.vault_token, amount=100, currency="usd", capture=True
    )
    first = connector.authorize(request)
    second = connector.authorize(AuthorizeRequest(**{**request.__dict__, "amount": 999}))
    assert first.reference == second.reference
    assert second.amount == 100
    assert SimulatorOperation.objects.count() == 1
