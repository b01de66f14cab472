"""Helpers of the ledger tests."""

from ledger.models import Account
from ledger.services import credit, debit, post_entry, system_account


def fund(account: Account, amount: int) -> None:
    """Give a credit-normal (or debit-normal) account `amount` through a real entry from equity."""
    adjustments = system_account(purpose="adjustments", currency=account.currency)
    if account.is_debit_normal:
        lines = [debit(account, amount), credit(adjustments, amount)]
    else:
        lines = [debit(adjustments, amount), credit(account, amount)]
    post_entry(lines=lines, kind="adjustment", description="test funding")
