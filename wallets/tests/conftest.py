"""Wallet fixtures: the user's usd wallet holding 100.00, other users' wallets, and a clean fraud state."""

import pytest

from fraud.tests.support import fresh_fraud_state
from wallets.tests.factories import WalletFactory


@pytest.fixture(autouse=True)
def _fresh_fraud_state():
    """Transfers and payouts are screened: each test starts with no velocity counters and no cached
    rules or model (so rules created in a test apply at once)."""
    with fresh_fraud_state():
        yield


@pytest.fixture
def funded_usd_wallet(user):
    return WalletFactory(user=user, currency="usd", balance=10_000)


@pytest.fixture
def empty_eur_wallet(user):
    return WalletFactory(user=user, currency="eur")


@pytest.fixture
def other_user_wallet(other_user):
    return WalletFactory(user=other_user, currency="usd")
