"""Reads of the ledger: balances, statements, the trial balance. Nothing here writes."""

from dataclasses import dataclass

from django.db.models import BigIntegerField, Case, F, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce

from ledger.models import Account, Posting

MAX_STATEMENT_LIMIT = 100


def account_balance(*, account: Account | int) -> int:
    """The account's stored balance (minor units, on its normal side), read fresh from the database."""
    pk = account.pk if isinstance(account, Account) else account
    return Account.objects.values_list("balance", flat=True).get(pk=pk)


def account_statement(*, account: Account | int) -> QuerySet[Posting]:
    """The account's postings, newest first, each with `balance_after` and its `entry` loaded.

    `balance_after` is the running balance on the account's normal side just after the posting.
    It is stored when the posting is written (under the account's row lock), so any page of a
    statement costs one indexed range scan on (account, id), whatever the account's history.
    Postings have no public id; page with `statement_page` (a posting-pk cursor) or by the entry's
    public id at the API edge.
    """
    pk = account.pk if isinstance(account, Account) else account
    return Posting.objects.filter(account_id=pk).select_related("entry").order_by("-pk")


@dataclass(frozen=True)
class StatementPage:
    postings: list[Posting]
    has_more: bool

    @property
    def next_cursor(self) -> int | None:
        """Pass as `starting_after_posting_pk` for the next (older) page; None on the last page."""
        return self.postings[-1].pk if self.has_more and self.postings else None


def statement_page(
    *, account: Account | int, limit: int = 10, starting_after_posting_pk: int | None = None
) -> StatementPage:
    """One page of `account_statement`: at most `limit` (1..100) postings older than the cursor."""
    limit = max(1, min(int(limit), MAX_STATEMENT_LIMIT))
    postings = account_statement(account=account)
    if starting_after_posting_pk is not None:
        postings = postings.filter(pk__lt=starting_after_posting_pk)
    rows = list(postings[: limit + 1])
    return StatementPage(postings=rows[:limit], has_more=len(rows) > limit)


def _signed_balance():
    """The account's balance as a debit-positive figure: debit-normal as is, credit-normal negated."""
    return Case(
        When(type__in=list(Account.DEBIT_NORMAL_TYPES), then=F("balance")),
        default=-F("balance"),
        output_field=BigIntegerField(),
    )


def trial_balance(*, currency: str | None = None) -> dict[str, dict[str, int]]:
    """Per currency: total debit balances, total credit balances and their difference (`net`).

    Computed from the stored balances of all accounts. The books are in balance when `net` is
    zero in every currency; `reconcile_ledger` also checks the stored balances against the postings.
    """
    accounts = Account.objects.all()
    if currency is not None:
        accounts = accounts.filter(currency=currency)
    rows = (
        accounts.annotate(signed=_signed_balance())
        .values("currency")
        .annotate(
            debits=Coalesce(Sum("signed", filter=Q(signed__gt=0)), 0),
            credits=Coalesce(-Sum("signed", filter=Q(signed__lt=0)), 0),
        )
        .order_by("currency")
    )
    return {
        row["currency"]: {"debits": row["debits"], "credits": row["credits"], "net": row["debits"] - row["credits"]}
        for row in rows
    }
