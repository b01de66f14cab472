"""factory_boy factories of the wallets context.

Wallets are made by `wallet_create` (so they have their ledger accounts) and funded through the
real ledger by `fund` (an adjustment entry from the platform's adjustments account): no balance
is ever written directly.
"""

import factory

from accounts.tests.factories import UserFactory
from wallets.models import BalanceTransaction, Wallet
from wallets.services import wallet_adjust, wallet_create


def fund(wallet: Wallet, amount: int) -> BalanceTransaction:
    """Credit `amount` to the wallet with a real ledger entry (kind "adjustment")."""
    return wallet_adjust(wallet=wallet, amount=amount, reason="test funding")


class WalletFactory(factory.django.DjangoModelFactory):
    """`WalletFactory(user=..., currency="usd", balance=10_000)`: a wallet funded through the ledger."""

    class Meta:
        model = Wallet

    user = factory.SubFactory(UserFactory)
    currency = "usd"
    balance = 0

    @classmethod
    def _create(cls, model_class, *, user, currency: str, balance: int = 0, **kwargs) -> Wallet:
        wallet = wallet_create(user=user, currency=currency)
        if balance:
            fund(wallet, balance)
        return Wallet.objects.select_related("available_account", "pending_account", "user").get(pk=wallet.pk)


def available_balance(wallet: Wallet) -> int:
    """The wallet's available balance, read fresh from its ledger account."""
    wallet.available_account.refresh_from_db()
    return wallet.available_account.balance


def pending_balance(wallet: Wallet) -> int:
    """The balance of the wallet's pending ledger account (money held under fraud review), read fresh."""
    wallet.pending_account.refresh_from_db()
    return wallet.pending_account.balance
