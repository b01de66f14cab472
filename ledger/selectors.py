"""Reads of the ledger: balances, statements, the trial balance. Nothing here writes."""

from dataclasses import dataclass

from django.db.models import BigIntegerField, Case, CharField, Count, F, Func, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from ledger.models import SHARD_SEPARATOR, Account, Posting, account_base_code

MAX_STATEMENT_LIMIT = 100


def account_balance(*, account: Account | int) -> int:
    """The account's stored balance (minor units, on its normal side), read fresh from the database."""
    pk = account.pk if isinstance(account, Account) else account
    return Account.objects.values_list("balance", flat=True).get(pk=pk)


def account_statement(*, account: Account | int) -> QuerySet[Posting]:
    """The account's postings, newest first, each with `balance_after` and its `entry` loaded.

    `balance_after` is the running balance on the account's normal side just after the posting.
    It is stored when the posting is written (under the account's row lock), so any page of a
    statement is a range of the (account, id) index, whatever the account's history.
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


@dataclass(frozen=True)
class ShardTotal:
    """An account spread over shards (ledger.services.accounts): their summed balance and their number."""

    balance: int
    shards: int


def _base_code():
    return Func(F("code"), Value(SHARD_SEPARATOR), Value(1), function="split_part", output_field=CharField())


def account_shard_totals(*, codes) -> dict[str, ShardTotal]:
    """Per base code among `codes` (each reduced to the account it is a shard of): the summed balance
    of that account and all its shards, and how many there are. One query."""
    bases = sorted({account_base_code(code) for code in codes})
    rows = (
        Account.objects.annotate(base=_base_code())
        .filter(base__in=bases)
        .values("base")
        .annotate(balance=Sum("balance"), shards=Count("id"))
        .order_by()
    )
    return {row["base"]: ShardTotal(balance=row["balance"], shards=row["shards"]) for row in rows}


def account_balance_over_shards(*, account: Account) -> int:
    """The balance of `account` summed with every shard of it (its own balance when it has none)."""
    total = account_shard_totals(codes=[account.code]).get(account_base_code(account.code))
    return total.balance if total else account.balance


# --- Finance views: the trial balance as of a moment, and a statement for a period -------------


@dataclass(frozen=True)
class TrialBalanceLine:
    """One account in a trial balance: its debit and credit turnover up to the moment, and its balance."""

    account: Account
    debits: int
    credits: int
    shards: int = 1  # > 1: the figures sum the account and its shards (shown under its base code)

    @property
    def code(self) -> str:
        return account_base_code(self.account.code)

    @property
    def net(self) -> int:
        """Debits minus credits: positive is a debit balance, negative a credit balance."""
        return self.debits - self.credits

    @property
    def debit_balance(self) -> int:
        return max(self.net, 0)

    @property
    def credit_balance(self) -> int:
        return max(-self.net, 0)


@dataclass(frozen=True)
class TrialBalanceGroup:
    """The lines of one account type with their subtotals."""

    type: str
    lines: list[TrialBalanceLine]

    debits = property(lambda self: sum(line.debits for line in self.lines))
    credits = property(lambda self: sum(line.credits for line in self.lines))
    net = property(lambda self: self.debits - self.credits)
    debit_balance = property(lambda self: sum(line.debit_balance for line in self.lines))
    credit_balance = property(lambda self: sum(line.credit_balance for line in self.lines))


@dataclass(frozen=True)
class TrialBalance:
    currency: str
    as_of: object  # datetime: postings created before it count
    groups: list[TrialBalanceGroup]

    debits = property(lambda self: sum(group.debits for group in self.groups))
    credits = property(lambda self: sum(group.credits for group in self.groups))
    debit_balance = property(lambda self: sum(group.debit_balance for group in self.groups))
    credit_balance = property(lambda self: sum(group.credit_balance for group in self.groups))

    @property
    def balanced(self) -> bool:
        return self.debits == self.credits and self.debit_balance == self.credit_balance


TYPE_ORDER = [
    Account.Type.ASSET,
    Account.Type.LIABILITY,
    Account.Type.EQUITY,
    Account.Type.REVENUE,
    Account.Type.EXPENSE,
]


def trial_balance_as_of(*, currency: str, as_of) -> TrialBalance:
    """The trial balance of `currency` from the postings created before `as_of`: per account, its
    debit and credit turnover and the resulting balance, grouped by account type in the usual
    order (asset, liability, equity, revenue, expense). Accounts with no posting are left out. An
    account spread over shards is one line under its base code, summing the shards.

    Aggregates the currency's postings (a sequential scan on a large ledger), then reads the
    accounts it names.
    """
    sums = (
        Posting.objects.filter(currency=currency, created__lt=as_of)
        .values("account_id")
        .annotate(
            debits=Coalesce(Sum("amount", filter=Q(amount__gt=0)), 0),
            credits=Coalesce(-Sum("amount", filter=Q(amount__lt=0)), 0),
        )
    )
    by_account = {row["account_id"]: row for row in sums}
    accounts = Account.objects.filter(pk__in=by_account).order_by("code")
    merged: dict[str, TrialBalanceLine] = {}
    for account in accounts:  # by code: shard 0 (the base code) comes before its shards
        row = by_account[account.pk]
        code = account_base_code(account.code)
        seen = merged.get(code)
        if seen is None:
            merged[code] = TrialBalanceLine(account, row["debits"], row["credits"])
        else:
            merged[code] = TrialBalanceLine(
                seen.account, seen.debits + row["debits"], seen.credits + row["credits"], seen.shards + 1
            )
    lines: dict[str, list[TrialBalanceLine]] = {}
    for line in merged.values():
        lines.setdefault(line.account.type, []).append(line)
    groups = [TrialBalanceGroup(kind, lines[kind]) for kind in TYPE_ORDER if kind in lines]
    return TrialBalance(currency=currency, as_of=as_of, groups=groups)


@dataclass(frozen=True)
class PeriodStatement:
    """An account's postings in [start, end) with the balance before and after (normal side)."""

    account: Account
    start: object
    end: object
    opening_balance: int
    closing_balance: int
    postings: list[Posting]

    @property
    def debits(self) -> int:
        return sum(p.amount for p in self.postings if p.amount > 0)

    @property
    def credits(self) -> int:
        return -sum(p.amount for p in self.postings if p.amount < 0)


def account_period_statement(*, account: Account, start, end, limit: int = 1000) -> PeriodStatement:
    """The account's statement for [start, end): opening balance (the `balance_after` of the last
    posting before `start`, else 0), at most `limit` postings oldest first, closing balance (the
    last posting's `balance_after` before `end`), each read from the (account, id) index."""
    postings = Posting.objects.filter(account=account)
    before = postings.filter(created__lt=start).order_by("-pk").values_list("balance_after", flat=True).first()
    last = postings.filter(created__lt=end).order_by("-pk").values_list("balance_after", flat=True).first()
    rows = list(postings.filter(created__gte=start, created__lt=end).select_related("entry").order_by("pk")[:limit])
    return PeriodStatement(
        account=account,
        start=start,
        end=end,
        opening_balance=before or 0,
        closing_balance=last or 0,
        postings=rows,
    )
