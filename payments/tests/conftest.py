"""Payments fixtures: the user's empty usd wallet and a visa payment method; connectors at zero latency;
a clean fraud state (no velocity counters, no cached rules or model) for every test."""

import pytest

from fraud.tests.support import fresh_fraud_state
from payments.tests.factories import payment_method
from wallets.tests.factories import WalletFactory


@pytest.fixture(autouse=True)
def _instant_connectors(settings):
    settings.PAYMENT_CONNECTORS = {
        "simulator_a": {
            "class": "payments.sandbox.connector.SimulatorConnector",
            "options": {"latency_ms": 0, "technical_failures": ["processing_error"]},
        },
        "simulator_b": {
            "class": "payments.sandbox.connector.SimulatorConnector",
            "options": {"latency_ms": 0, "technical_failures": []},
        },
    }
    settings.PAYMENT_ROUTING = {"*": [{"connector": "simulator_a"}, {"connector": "simulator_b"}]}
    settings.PLATFORM_FEE_PERCENT = "2.9"
    settings.PLATFORM_FEE_FIXED = 30


@pytest.fixture(autouse=True)
def _fresh_fraud_state(settings):
    """Every confirm is screened: start each test with no velocity counters and no cached rules or model."""
    with fresh_fraud_state(settings):
        yield


@pytest.fixture
def wallet(user):
    return WalletFactory(user=user, currency="usd")


@pytest.fixture
def visa(user):
    return payment_method(user)
