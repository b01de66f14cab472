"""Transfers between wallets: create (screened, possibly held for review) and an operator's reversal."""

from dataclasses import dataclass
from datetime import datetime

import structlog
from django.db import transaction
from django.utils import timezone

from accounts.api import audit_log_record
from fraud.api import BlockedByFraudScreening, assessment_record, review_open
from ledger.api import Account, CurrencyMismatch, InsufficientFunds, JournalEntry, Line, credit
from payments_platform.api.errors import Conflict
from payments_platform.api.ids import new_public_id
from payments_platform.observability import metrics
from wallets.errors import TransferSameWallet, WalletMissing
from wallets.models import BalanceTransaction, Transfer, Wallet
from wallets.representations import transfer_representation
from wallets.services.amounts import amount_validate
from wallets.services.screening import attempt_counted, attempt_screen, risk_context_build
from wallets.services.statements import WalletLine, wallet_post_entry
from webhooks.api import event_record

logger = structlog.get_logger(__name__)


def transfer_create(
    *,
    user,
    source_wallet: str,
    destination_wallet: str,
    amount: int,
    description: str = "",
    metadata: dict | None = None,
    request_id: str = "",
    ip: str | None = None,
    occurred_at: datetime | None = None,
) -> Transfer:
    """Move `amount` from one of `user`'s wallets to any wallet of the same currency.

    Raises, before writing anything: `ParameterInvalid` (param "amount") for an amount that is not
    an integer from 1 to MAX_AMOUNT (`amount_validate`, the only check of it);
    `WalletMissing` (404, param "source_wallet") for a source
    that is unknown or not the user's; `WalletMissing` (404, param "destination_wallet") for an
    unknown destination; `TransferSameWallet` and `CurrencyMismatch` (400, param
    "destination_wallet"). Then fraud screening (`assess`, with the client `ip`): `blocked`
    raises `BlockedByFraudScreening` (400) with nothing written. Then, in one transaction: a
    `transfer.created` event for the sender and, when another user, one for the recipient; the
    assessment's feature-log row; for `manual_review`, a review (`review.opened` for both
    parties); one ledger entry (kind "transfer", reference the transfer id) or
    `InsufficientFunds` (400) with nothing written, events included; the balance transactions;
    the transfer with its `outcome`. The attempt is counted in the velocity windows after the
    decision (declined when refused).

    `manual_review` holds the money: the entry credits the recipient wallet's *pending* account,
    so the recipient's statement gets its `transfer_in` line only when the review is approved
    (entry "review_release"); a rejection returns it to the sender (entry "review_reversal").

    `occurred_at` is for the traffic simulator only: the moment the assessment and velocity see.

    Returns the saved transfer with `representation`: its API shape, built once before any lock
    is taken, which its events carry and the API answers with.
    """
    amount_validate(amount=amount)
    wallets = {
        wallet.public_id: wallet
        for wallet in Wallet.objects.select_related("user").filter(public_id__in={source_wallet, destination_wallet})
    }
    source = wallets.get(source_wallet)
    if source is None or source.user_id != user.pk:
        raise WalletMissing(f"No such wallet: {source_wallet!r}.", param="source_wallet")
    destination = wallets.get(destination_wallet)
    if destination is None:
        raise WalletMissing(f"No such wallet: {destination_wallet!r}.", param="destination_wallet")
    if destination.pk == source.pk:
        raise TransferSameWallet(param="destination_wallet")
    if destination.currency != source.currency:
        raise CurrencyMismatch(
            f"The source wallet holds {source.currency} and the destination wallet {destination.currency}.",
            param="destination_wallet",
        )

    context = risk_context_build(
        operation="transfer", user=user, amount=amount, currency=source.currency, ip=ip, occurred_at=occurred_at
    )
    try:
        assessment = attempt_screen(context=context)
    except BlockedByFraudScreening:
        metrics.transfer_counted(outcome=metrics.TransferOutcome.BLOCKED)
        raise
    held = assessment.needs_review
    transfer = Transfer(
        public_id=new_public_id("tr"),
        source_wallet=source,
        destination_wallet=destination,
        sender=user,
        recipient=destination.user,
        amount=amount,
        currency=source.currency,
        description=description,
        metadata=metadata or {},
        outcome=assessment.as_outcome(),
        funds_held=held,
        created=timezone.now(),
    )
    transfer_id = transfer.public_id
    wallet_lines = [
        WalletLine(
            wallet=source,
            amount=-amount,
            type=BalanceTransaction.Type.TRANSFER_OUT,
            source=transfer_id,
            description=description or f"Transfer to {destination.public_id}",
        )
    ]
    other_lines: list[Line] = []
    if held:  # the recipient's money waits in its pending account: no statement line until released
        other_lines.append(credit(destination.pending_account_id, amount))
    else:
        wallet_lines.append(
            WalletLine(
                wallet=destination,
                amount=amount,
                type=BalanceTransaction.Type.TRANSFER_IN,
                source=transfer_id,
                description=description or f"Transfer from {source.public_id}",
            )
        )
    representation = transfer_representation(transfer)
    with attempt_counted(context=context):  # counted declined when anything below raises
        try:
            with transaction.atomic():
                # Everything that takes no account lock goes first, so the wallets' row locks (taken
                # by post_entry) are held for as few statements as possible. A refused entry rolls
                # it all back.
                for party in transfer.parties:
                    event_record(
                        user=party, event_type="transfer.created", data_object=representation, request_id=request_id
                    )
                assessment_record(context=context, assessment=assessment, object_type="transfer", object_id=transfer_id)
                transfer.entry, _ = wallet_post_entry(
                    wallet_lines=wallet_lines,
                    lines=other_lines,
                    kind=JournalEntry.Kind.TRANSFER,
                    description=description or f"Transfer {transfer_id}",
                    reference=transfer_id,
                    metadata={"transfer": transfer_id, **({"held_for_review": True} if held else {})},
                    created_by=user,
                    request_id=request_id,
                )
                transfer.save(force_insert=True)
                if held:  # after the transfer row: the registered review recorder reads its parties
                    review_open(
                        user=user,
                        object_type="transfer",
                        object_id=transfer_id,
                        assessment=assessment,
                        request_id=request_id,
                    )
                metrics.transfer_counted(outcome=assessment.outcome_type)  # after the commit
        except InsufficientFunds:
            metrics.transfer_counted(outcome=metrics.TransferOutcome.INSUFFICIENT_FUNDS)
            raise
    logger.info(
        "transfer_created",
        transfer=transfer_id,
        amount=amount,
        currency=transfer.currency,
        outcome=assessment.outcome_type,
        risk_score=assessment.risk_score,
    )
    transfer.representation = representation
    return transfer


@dataclass(frozen=True)
class TransferReversalPlan:
    """What reversing a transfer will move: `amount` out of `from_wallet` back into `to_wallet`,
    with each wallet's available balance before and after. Read by the admin's confirmation page."""

    transfer: Transfer
    from_wallet: Wallet
    to_wallet: Wallet
    amount: int
    from_balance: int
    to_balance: int
    refusal: str | None  # why it cannot be reversed, or None

    @property
    def from_balance_after(self) -> int:
        return self.from_balance - self.amount

    @property
    def to_balance_after(self) -> int:
        return self.to_balance + self.amount


def _transfer_refusal(transfer: Transfer, recipient_balance: int) -> str | None:
    if transfer.status == Transfer.Status.REVERSED:
        return f"Transfer {transfer.public_id} is already reversed."
    if transfer.funds_held:
        return f"Transfer {transfer.public_id} is held for a fraud review: reject the review instead."
    if recipient_balance < transfer.amount:
        return (
            f"The recipient wallet {transfer.destination_wallet.public_id} holds {recipient_balance} minor units, "
            f"less than the {transfer.amount} to take back."
        )
    return None


def transfer_reversal_plan(*, transfer: Transfer) -> TransferReversalPlan:
    """What `transfer_reverse` would move now (no lock, no writes): for the confirmation page."""
    source, destination = transfer.source_wallet, transfer.destination_wallet
    balances = dict(
        Account.objects.filter(pk__in=[source.available_account_id, destination.available_account_id]).values_list(
            "pk", "balance"
        )
    )
    to_balance, from_balance = balances[source.available_account_id], balances[destination.available_account_id]
    return TransferReversalPlan(
        transfer=transfer,
        from_wallet=destination,
        to_wallet=source,
        amount=transfer.amount,
        from_balance=from_balance,
        to_balance=to_balance,
        refusal=_transfer_refusal(transfer, from_balance),
    )


def transfer_reverse(*, transfer: Transfer, actor, reason: str = "", request_id: str = "", ip: str | None = None):
    """An operator reverses a succeeded transfer: the amount goes back from the recipient's wallet
    to the sender's, and every record says so, in one transaction.

    Writes one entry (kind "transfer_reversal", `reverses` the transfer's entry, reference the
    transfer id, the operator's `request_id`), a `transfer_out` statement line on the recipient's
    wallet and a `transfer_in` line on the sender's (both with the transfer as source), sets the
    transfer `reversed`, records `transfer.reversed` for both parties and the audit log line
    `wallet.transfer.reversed` (with `ip`). Raises, with nothing written: `Conflict`
    `transfer_already_reversed` (409) for a reversed transfer, `Conflict` `transfer_held` (409)
    for one held by an open review (close the review instead), `InsufficientFunds` (400) when the
    recipient has spent the money.
    """
    reason = (reason or "").strip()[:400]
    with transaction.atomic():
        locked = (
            Transfer.objects.select_for_update(of=("self",))
            .select_related("source_wallet", "destination_wallet", "sender", "recipient", "entry")
            .get(pk=transfer.pk)
        )
        if locked.status == Transfer.Status.REVERSED:
            raise Conflict(f"Transfer {locked.public_id} is already reversed.", code="transfer_already_reversed")
        if locked.funds_held:
            raise Conflict(
                f"Transfer {locked.public_id} is held for a fraud review: close the review instead.",
                code="transfer_held",
            )
        source, destination = locked.source_wallet, locked.destination_wallet
        why = f" ({reason})" if reason else ""
        entry, _ = wallet_post_entry(
            wallet_lines=[
                WalletLine(
                    wallet=destination,
                    amount=-locked.amount,
                    type=BalanceTransaction.Type.TRANSFER_OUT,
                    source=locked.public_id,
                    description=f"Transfer {locked.public_id} from {source.public_id} reversed{why}"[:500],
                ),
                WalletLine(
                    wallet=source,
                    amount=locked.amount,
                    type=BalanceTransaction.Type.TRANSFER_IN,
                    source=locked.public_id,
                    description=f"Transfer {locked.public_id} to {destination.public_id} reversed{why}"[:500],
                ),
            ],
            kind=JournalEntry.Kind.TRANSFER_REVERSAL,
            description=f"Reversal of transfer {locked.public_id} by an operator{why}"[:500],
            reference=locked.public_id,
            metadata={"transfer": locked.public_id, "reverses": locked.entry.public_id, "reason": reason},
            created_by=actor,
            request_id=request_id,
            reverses=locked.entry,
        )
        locked.status = Transfer.Status.REVERSED
        locked.save(update_fields=["status"])
        representation = transfer_representation(locked)
        for party in locked.parties:
            event_record(user=party, event_type="transfer.reversed", data_object=representation, request_id=request_id)
        audit_log_record(
            action="wallet.transfer.reversed",
            actor=actor,
            object_type="transfer",
            object_id=locked.public_id,
            request_id=request_id,
            ip=ip,
            details={
                "amount": locked.amount,
                "currency": locked.currency,
                "from_wallet": destination.public_id,
                "to_wallet": source.public_id,
                "entry": entry.public_id,
                "reason": reason,
            },
        )
    logger.info("transfer_reversed", transfer=locked.public_id, entry=entry.public_id)
    transfer.status = locked.status
    return locked
