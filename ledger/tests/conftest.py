"""Ledger fixtures: accounts in usd, and a helper that funds one from the adjustments account."""

import pytest

from ledger.models import Account
from ledger.services import credit, debit, post_entry, system_account
from ledger.tests.factories import AccountFactory


def fund(account: Account, amount: int) -> None:
    """Give a credit-normal (or debit-normal) account `amount` through a real entry from equity."""
    adjustments = system_account(purpose="adjustments", currency=account.currency)
    if account.is_debit_normal:
        lines = [debit(account, amount), credit(adjustments, amount)]
    else:
        lines = [debit(adjustments, amount), credit(account, amount)]
    post_entry(lines=lines, kind="adjustment", description="test funding")


@pytest.fixture
def wallet(db) -> Account:
    return AccountFactory(code="wallet:alice:available")


@pytest.fixture
def other_wallet(db) -> Account:
    return AccountFactory(code="wallet:bob:available")


@pytest.fixture
def funded_wallet(wallet) -> Account:
    fund(wallet, 10_000)
    wallet.refresh_from_db()
    return wallet
