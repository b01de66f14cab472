"""Ledger fixtures: wallet-like liability accounts in usd (`*_wallet_account`: ledger accounts, not
`wallets.models.Wallet`), one of them funded from the adjustments account."""

import pytest

from ledger.models import Account
from ledger.tests.factories import AccountFactory
from ledger.tests.support import fund


@pytest.fixture
def wallet_account(db) -> Account:
    return AccountFactory(code="wallet:alice:available")


@pytest.fixture
def other_wallet_account(db) -> Account:
    return AccountFactory(code="wallet:bob:available")


@pytest.fixture
def funded_wallet_account(wallet_account) -> Account:
    fund(wallet_account, 10_000)
    wallet_account.refresh_from_db()
    return wallet_account
