"""Wallet fixtures: the user's usd wallet holding 100.00, and other users' wallets."""

import pytest

from wallets.tests.factories import WalletFactory


@pytest.fixture
def wallet(user):
    return WalletFactory(user=user, currency="usd", balance=10_000)


@pytest.fixture
def empty_wallet(user):
    return WalletFactory(user=user, currency="eur")


@pytest.fixture
def other_wallet(other_user):
    return WalletFactory(user=other_user, currency="usd")
