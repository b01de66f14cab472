"""What other apps may import from wallets: its public surface (docs/architecture.md)."""

from wallets.errors import WalletMissing
from wallets.models import BalanceTransaction, Payout, Transfer, Wallet
from wallets.sandbox.traffic import wallets_runner
from wallets.serializers import OutcomeOutput
from wallets.services import WalletLine, wallet_create, wallet_owed_account, wallet_post_entry

__all__ = [
    "BalanceTransaction",
    "OutcomeOutput",
    "Payout",
    "Transfer",
    "Wallet",
    "WalletLine",
    "WalletMissing",
    "wallet_create",
    "wallet_owed_account",
    "wallet_post_entry",
    "wallets_runner",
]
