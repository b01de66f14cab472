"""API key tests cross apps (accounts' keys on wallets' routes), so they live outside the apps."""

import pytest

from fraud.tests.support import fresh_fraud_state


@pytest.fixture(autouse=True)
def _fresh_fraud_state():
    with fresh_fraud_state():
        yield
