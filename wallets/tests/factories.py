"""factory_boy factories of the wallets context: wallets, transfers and payouts.

Every factory goes through the services, so each row comes with its ledger entries, statement
lines and events: wallets are made by `wallet_create` (with their ledger accounts) and funded
by `fund` (an adjustment entry from the platform's adjustments account); transfers by
`transfer_create` and payouts by `payout_create` (both screened). No balance is ever written
directly.
"""

import factory

from accounts.tests.factories import UserFactory
from wallets.models import BalanceTransaction, Payout, Transfer, Wallet
from wallets.services import payout_create, transfer_create, wallet_adjust, wallet_create

PAID_ACCOUNT_NUMBER = "000123456789"  # the bank simulator pays it (wallets.sandbox.bank)
ROUTING_NUMBER = "110000000"


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
        return Wallet.objects.select_related("available_account", "pending_account", "owed_account", "user").get(
            pk=wallet.pk
        )


class TransferFactory(factory.django.DjangoModelFactory):
    """`TransferFactory(source_wallet=..., destination_wallet=..., amount=500)`: a `transfer_create`
    by the source wallet's owner (by default from a new wallet holding 100.00 to another user's)."""

    class Meta:
        model = Transfer

    source_wallet = factory.SubFactory(WalletFactory, balance=10_000)
    destination_wallet = factory.SubFactory(WalletFactory)
    amount = 500
    description = ""

    @classmethod
    def _create(cls, model_class, *, source_wallet: Wallet, destination_wallet: Wallet, **kwargs) -> Transfer:
        return transfer_create(
            user=source_wallet.user,
            source_wallet=source_wallet.public_id,
            destination_wallet=destination_wallet.public_id,
            **kwargs,
        )


class PayoutFactory(factory.django.DjangoModelFactory):
    """`PayoutFactory(wallet=..., amount=2_000)`: a `payout_create` by the wallet's owner, to an
    account the bank simulator pays (by default from a new wallet holding 100.00)."""

    class Meta:
        model = Payout

    wallet = factory.SubFactory(WalletFactory, balance=10_000)
    amount = 2_000
    account_number = PAID_ACCOUNT_NUMBER
    routing_number = ROUTING_NUMBER

    @classmethod
    def _create(cls, model_class, *, wallet: Wallet, **kwargs) -> Payout:
        return payout_create(user=wallet.user, wallet=wallet.public_id, **kwargs)


def available_balance(wallet: Wallet) -> int:
    """The wallet's available balance, read fresh from its ledger account."""
    wallet.available_account.refresh_from_db()
    return wallet.available_account.balance


def pending_balance(wallet: Wallet) -> int:
    """The balance of the wallet's pending ledger account (money held under fraud review), read fresh."""
    wallet.pending_account.refresh_from_db()
    return wallet.pending_account.balance
