"""Errors of the wallets context, with their stable API codes.

`balance_insufficient` comes from the ledger (`ledger.errors.InsufficientFunds`): the ledger is
what refuses to overdraw a wallet, under its row lock. So does `currency_mismatch`
(`ledger.errors.CurrencyMismatch`): one class for a line in the wrong currency and for a
transfer between wallets of two currencies (param "destination_wallet").
"""

from payments_platform.api.errors import Conflict, InvalidRequest, ResourceMissing


class WalletExists(Conflict):
    """The user already has a wallet in this currency (one per user and currency)."""

    code = "wallet_exists"
    default_message = "You already have a wallet in this currency."


class WalletMissing(ResourceMissing):
    """No such wallet, or (for the caller's own wallets) not one of the caller's."""

    default_message = "No such wallet."


class TransferMissing(ResourceMissing):
    default_message = "No such transfer."


class PayoutMissing(ResourceMissing):
    default_message = "No such payout."


class TransferSameWallet(InvalidRequest):
    """Source and destination of a transfer are the same wallet."""

    code = "transfer_same_wallet"
    default_message = "The source and destination wallets must differ."
