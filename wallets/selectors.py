"""Reads of the wallets context; every one is scoped to its owner (another user's object is a 404)."""

from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

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
