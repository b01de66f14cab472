"""The lines of a journal entry: a signed amount (+ debit, - credit) on an account, and their shape checks."""

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.errors import InvalidEntry
from ledger.models import Account

MAX_LINES = 100


@dataclass(frozen=True)
class Line:
    """One line of an entry to post: a signed amount (+ debit, - credit) on an account.

    `currency`, when given, must equal the account's currency (else `CurrencyMismatch`);
    when omitted the line is in the account's currency.
    """

    account: Account | int  # an Account or its pk
    amount: int  # signed: + debit, - credit
    currency: str | None = None


def _positive(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidEntry("A debit or credit amount must be a positive integer.", param="amount")
    return amount


def debit(account: Account | int, amount: int, *, currency: str | None = None) -> Line:
    """A debit line (positive amount): raises an asset or expense, lowers a liability, equity or revenue."""
    return Line(account=account, amount=_positive(amount), currency=currency)


def credit(account: Account | int, amount: int, *, currency: str | None = None) -> Line:
    """A credit line (negative amount): lowers an asset or expense, raises a liability, equity or revenue."""
    return Line(account=account, amount=-_positive(amount), currency=currency)


def line_account_pk(account: Account | int) -> int:
    """The primary key of a line's account; `InvalidEntry` for an unsaved account or anything else."""
    if isinstance(account, Account):
        if account.pk is None:
            raise InvalidEntry("A line's account has not been saved.", param="account")
        return account.pk
    if isinstance(account, bool) or not isinstance(account, int):
        raise InvalidEntry("A line's account must be an Account or its primary key.", param="account")
    return account


def lines_validate(lines: Sequence[Line]) -> list[int]:
    """The checks that need no database (count, integer non-zero amounts, accounts): each line's account pk."""
    if len(lines) < 2:
        raise InvalidEntry("A journal entry needs at least two lines.", param="lines")
    if len(lines) > MAX_LINES:
        raise InvalidEntry(f"A journal entry has at most {MAX_LINES} lines.", param="lines")
    pks = []
    for line in lines:
        amount = line.amount
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise InvalidEntry("A line's amount must be an integer in minor units.", param="amount")
        if amount == 0:
            raise InvalidEntry("A line's amount must not be zero.", param="amount")
        pks.append(line_account_pk(line.account))
    return pks
