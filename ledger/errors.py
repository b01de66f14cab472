"""Errors of the ledger, with their stable API codes (all 400 `invalid_request_error`)."""

from payments_platform.api.errors import InvalidRequest


class InsufficientFunds(InvalidRequest):
    """A line would take an account that may not go negative below zero."""

    code = "balance_insufficient"
    default_message = "The balance is insufficient for this amount."


class UnbalancedEntry(InvalidRequest):
    """The lines of an entry do not sum to zero in some currency."""

    code = "entry_unbalanced"
    default_message = "The lines of a journal entry must sum to zero in each currency."


class CurrencyMismatch(InvalidRequest):
    """A line's currency differs from its account's currency."""

    code = "currency_mismatch"
    default_message = "The currency does not match the account's currency."


class InvalidEntry(InvalidRequest):
    """Fewer than two lines, a zero or non-integer amount, or an unknown account."""

    code = "entry_invalid"
    default_message = "The journal entry is invalid."


class AlreadyReversed(InvalidRequest):
    """The entry already has a reversing entry; an entry is reversed at most once."""

    code = "entry_already_reversed"
    default_message = "This journal entry has already been reversed."


class EntryOwnedByWallet(InvalidRequest):
    """The entry moves a wallet's money: reverse the business object (transfer, refund, payout)
    through the service that owns it, which keeps the wallet's statement and the object's status true."""

    code = "entry_owned_by_wallet"
    default_message = "This entry moves a wallet's money: reverse the transfer, payment or payout it belongs to."
