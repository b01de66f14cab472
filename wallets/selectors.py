"""Reads of the wallets context; every one is scoped to its owner (another user's object is a 404)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ledger.api import Posting
from wallets.errors import PayoutMissing, TransferMissing, WalletMissing
from wallets.models import BalanceTransaction, Payout, Transfer, Wallet


def wallets_with_balances(wallets: QuerySet[Wallet]) -> QuerySet[Wallet]:
    """Wallets with both ledger accounts joined and their pending payouts summed: one query."""
    pending_payouts = (
        Payout.objects.filter(wallet=OuterRef("pk"), status=Payout.Status.PENDING)
        .order_by()
        .values("wallet")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return wallets.select_related("available_account", "pending_account", "owed_account").annotate(
        pending_payouts_total=Coalesce(Subquery(pending_payouts), Value(0))
    )


def wallet_list(*, user) -> QuerySet[Wallet]:
    """The user's wallets with their balances, in one query per page."""
    return wallets_with_balances(Wallet.objects.filter(user=user))


def wallet_get(*, user, public_id: str, param: str = "id") -> Wallet:
    """One of the user's wallets with its balances (one query), or `WalletMissing`."""
    wallet = wallets_with_balances(Wallet.objects.filter(user=user, public_id=public_id)).first()
    if wallet is None:
        raise WalletMissing(f"No such wallet: {public_id!r}.", param=param)
    return wallet


def balance_transaction_list(*, wallet: Wallet) -> QuerySet[BalanceTransaction]:
    """The wallet's statement (its available account), newest first when paginated."""
    return BalanceTransaction.objects.filter(wallet=wallet)


def transfer_list(*, user) -> QuerySet[Transfer]:
    """Transfers the user sent or received."""
    return Transfer.objects.filter(Q(sender=user) | Q(recipient=user)).select_related(
        "source_wallet", "destination_wallet"
    )


def transfer_get(*, user, public_id: str) -> Transfer:
    """A transfer the user sent or received, or `TransferMissing`."""
    transfer = transfer_list(user=user).filter(public_id=public_id).first()
    if transfer is None:
        raise TransferMissing(f"No such transfer: {public_id!r}.", param="id")
    return transfer


def payout_list(*, user) -> QuerySet[Payout]:
    return Payout.objects.filter(user=user).select_related("wallet")


def payout_get(*, user, public_id: str) -> Payout:
    payout = payout_list(user=user).filter(public_id=public_id).first()
    if payout is None:
        raise PayoutMissing(f"No such payout: {public_id!r}.", param="id")
    return payout


@dataclass(frozen=True)
class BalanceAt:
    available: int
    pending: int
    owed: int
    at: int


def wallet_owed_balance_at(*, wallet: Wallet, moment: datetime) -> int:
    """What the wallet's owner owed the platform at `moment` (disputes the wallet could not cover):
    its owed receivable's `balance_after` then, 0 for a wallet that never had a dispute."""
    if wallet.owed_account_id is None:
        return 0
    return _account_balance_at(wallet.owed_account_id, moment)


def _account_balance_at(account_id: int, moment: datetime) -> int:
    """The account's `balance_after` on its last posting at or before `moment` (0 before its first)."""
    last = (
        # Newest first by id, which is the order of `balance_after` (postings to one account are
        # written under its row lock): the (account, id) index is walked backwards to the first match.
        Posting.objects.filter(account_id=account_id, created__lte=moment)
        .order_by("-id")
        .values_list("balance_after", flat=True)
        .first()
    )
    return last or 0


def _pending_payouts_at(wallet: Wallet, moment: datetime) -> int:
    """Payouts created by `moment` and not yet paid or failed then (settled_at is set on both)."""
    total = (
        Payout.objects.filter(wallet=wallet, created__lte=moment)
        .filter(Q(settled_at__isnull=True) | Q(settled_at__gt=moment))
        .aggregate(total=Sum("amount"))["total"]
    )
    return total or 0


def wallet_balance_at(*, wallet: Wallet, at: int) -> BalanceAt:
    """The wallet's balances as `GET /v1/wallets/{id}` showed them at Unix second `at`, read from the ledger.

    "At second `at`" means at its end: everything whose `created` (in whole seconds) is `at` or
    earlier counts, so the balance at a statement line's `created` includes that line. Three
    indexed queries: each ledger account's last posting by then, and the payouts pending then.
    """
    moment = datetime.fromtimestamp(at + 1, tz=UTC) - timedelta(microseconds=1)
    return BalanceAt(
        available=_account_balance_at(wallet.available_account_id, moment),
        pending=_account_balance_at(wallet.pending_account_id, moment) + _pending_payouts_at(wallet, moment),
        owed=wallet_owed_balance_at(wallet=wallet, moment=moment),
        at=at,
    )


STATEMENT_CSV_COLUMNS = ("id", "created", "type", "amount", "currency", "balance_after", "source", "description")
_ROW_FIELDS = ("public_id", "created", "type", "amount", "currency", "balance_after", "source", "description")


def balance_transaction_filter(
    transactions: QuerySet[BalanceTransaction], *, created_gte: int | None = None, created_lt: int | None = None
) -> QuerySet[BalanceTransaction]:
    """Lines created at or after `created_gte` and before `created_lt` (Unix seconds; either may be None)."""
    if created_gte is not None:
        transactions = transactions.filter(created__gte=datetime.fromtimestamp(created_gte, tz=UTC))
    if created_lt is not None:
        transactions = transactions.filter(created__lt=datetime.fromtimestamp(created_lt, tz=UTC))
    return transactions


def balance_transaction_rows(transactions: QuerySet[BalanceTransaction], *, batch_size: int = 1_000):
    """Every line of `transactions`, newest first, as tuples of `STATEMENT_CSV_COLUMNS` (created in Unix
    seconds), read in keyset pages of `batch_size` by primary key: memory stays bounded by one page
    however long the statement, and no line is skipped or repeated while new ones are written."""
    page = transactions.order_by("-pk")
    before_pk: int | None = None
    while True:
        rows = page.filter(pk__lt=before_pk) if before_pk is not None else page
        batch = list(rows.values_list("pk", *_ROW_FIELDS)[:batch_size])
        for _pk, public_id, created, *rest in batch:
            yield (public_id, int(created.timestamp()), *rest)
        if len(batch) < batch_size:
            return
        before_pk = batch[-1][0]
