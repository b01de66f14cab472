"""Every write of the wallets context, one module per use case:

- `statements`: `wallet_post_entry`, the one way a wallet's money moves, and the owed account;
- `wallets`: opening a wallet, an operator's adjustment;
- `screening`: fraud screening of transfers and payouts (risk context, decision, review events);
- `transfers`: create, reverse, and the reversal plan an operator confirms;
- `payouts`: create, and settlement with the bank (paid or failed);
- `reviews`: what closing a fraud review of a transfer or payout does.

This package re-exports what other apps, commands and tests import from `wallets.services`.
"""

from wallets.services.payouts import payout_create, payout_settle_next
from wallets.services.reviews import (
    payout_review_approve,
    payout_review_event,
    payout_review_reject,
    transfer_review_approve,
    transfer_review_event,
    transfer_review_reject,
)
from wallets.services.screening import destination_fingerprint
from wallets.services.statements import (
    WalletLine,
    wallet_owed_account,
    wallet_post_entry,
)
from wallets.services.transfers import TransferReversalPlan, transfer_create, transfer_reversal_plan, transfer_reverse
from wallets.services.wallets import wallet_adjust, wallet_create

__all__ = [
    "TransferReversalPlan",
    "WalletLine",
    "destination_fingerprint",
    "payout_create",
    "payout_review_approve",
    "payout_review_event",
    "payout_review_reject",
    "payout_settle_next",
    "transfer_create",
    "transfer_reversal_plan",
    "transfer_reverse",
    "transfer_review_approve",
    "transfer_review_event",
    "transfer_review_reject",
    "wallet_adjust",
    "wallet_create",
    "wallet_owed_account",
    "wallet_post_entry",
]
