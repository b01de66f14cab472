"""What other apps may import from ledger: its public surface (docs/architecture.md)."""

from ledger.currencies import currency_exponent, is_supported_currency
from ledger.errors import CurrencyMismatch, InsufficientFunds
from ledger.models import Account, JournalEntry, Posting, ReconciliationRun
from ledger.reconciliation import Check, register_check
from ledger.selectors import account_balance_over_shards
from ledger.services import (
    Line,
    LockedBalance,
    account_create,
    account_get_or_create,
    account_shard_code,
    credit,
    debit,
    post_entry,
    system_account,
)

__all__ = [
    "Account",
    "Check",
    "CurrencyMismatch",
    "InsufficientFunds",
    "JournalEntry",
    "Line",
    "LockedBalance",
    "Posting",
    "ReconciliationRun",
    "account_balance_over_shards",
    "account_create",
    "account_get_or_create",
    "account_shard_code",
    "credit",
    "currency_exponent",
    "debit",
    "is_supported_currency",
    "post_entry",
    "register_check",
    "system_account",
]
