"""Every write of the ledger, one module per concern; other apps import these names from here.

- `lines`: `Line`, `debit`, `credit`, the shape checks of an entry's lines;
- `posting`: `post_entry`, the only code that writes a balance;
- `statements`: the SQL `post_entry` sends (the account lock, the one statement that writes an entry);
- `accounts`: `account_create`, `system_account`, `account_shard_code` (hot accounts spread over shards);
- `reversal`: `reverse_entry`, `journal_entry_reverse` (an operator's, audited).
"""

from ledger.services.accounts import (
    SYSTEM_ACCOUNT_PURPOSES,
    account_create,
    account_get_or_create,
    account_shard_code,
    system_account,
)
from ledger.services.lines import MAX_LINES, Line, credit, debit
from ledger.services.posting import CompleteLines, post_entry
from ledger.services.reversal import WALLET_ACCOUNT_PREFIX, entry_touches_wallet, journal_entry_reverse, reverse_entry
from ledger.services.statements import LockedBalance

__all__ = [
    "MAX_LINES",
    "SYSTEM_ACCOUNT_PURPOSES",
    "WALLET_ACCOUNT_PREFIX",
    "CompleteLines",
    "Line",
    "LockedBalance",
    "account_create",
    "account_get_or_create",
    "account_shard_code",
    "credit",
    "debit",
    "entry_touches_wallet",
    "journal_entry_reverse",
    "post_entry",
    "reverse_entry",
    "system_account",
]
