"""Wallet fixtures: the user's usd wallet holding 100.00, other users' wallets, and a clean fraud state."""

import pytest

from fraud import scoring, velocity
from fraud.assessment import forget_rules
from wallets.tests.factories import WalletFactory


def wipe_velocity_keys() -> None:
    """Delete every fraud velocity counter in this test run's Redis (REDIS_URL / FRAUD_REDIS_URL)."""
    try:
        client = velocity._client().redis
    except velocity.VelocityUnavailable:
        return
    keys = list(client.scan_iter(match="fraud:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _fresh_fraud_state():
    """Transfers and payouts are screened: each test starts with no velocity counters and no cached
    rules or model (so rules created in a test apply at once)."""
    velocity.reset_clients()
    forget_rules()
    scoring.forget_active_model()
    wipe_velocity_keys()
    yield
    velocity.reset_clients()
    forget_rules()
    scoring.forget_active_model()


@pytest.fixture
def wallet(user):
    return WalletFactory(user=user, currency="usd", balance=10_000)


@pytest.fixture
def empty_wallet(user):
    return WalletFactory(user=user, currency="eur")


@pytest.fixture
def other_wallet(other_user):
    return WalletFactory(user=other_user, currency="usd")
