"""What closing a fraud review of a transfer or payout does (registered with fraud in `WalletsConfig.ready`).

`fraud.api.register_review_handler` calls them with keyword arguments; the event handlers record
each review event with the review's acting request id.
"""

import structlog
from django.utils import timezone

from ledger.api import JournalEntry, debit
from payments_platform.api.errors import Conflict
from wallets.models import BalanceTransaction, Payout, Transfer
from wallets.services.payouts import payout_mark_failed
from wallets.services.statements import WalletLine, wallet_post_entry
from webhooks.api import event_record

logger = structlog.get_logger(__name__)


def _transfer_for_review(review) -> Transfer:
    return (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("source_wallet", "destination_wallet", "sender", "recipient")
        .get(public_id=review.object_id)
    )


def _transfer_move_held(*, review, to_recipient: bool) -> Transfer:
    """Move a reviewed transfer's held money out of the recipient's pending account: to the
    recipient's available balance (entry "review_release") or back to the sender's (entry
    "review_reversal"), each with a `transfer_in` statement line whose source is the transfer."""
    transfer = _transfer_for_review(review)
    if not transfer.funds_held:
        raise Conflict(f"Transfer {transfer.public_id} holds no funds.", code="transfer_not_held")
    source, destination = transfer.source_wallet, transfer.destination_wallet
    if to_recipient:
        line = WalletLine(
            wallet=destination,
            amount=transfer.amount,
            type=BalanceTransaction.Type.TRANSFER_IN,
            source=transfer.public_id,
            description=transfer.description or f"Transfer from {source.public_id} (released after review)",
        )
        kind, what = JournalEntry.Kind.REVIEW_RELEASE, "released"
    else:
        line = WalletLine(
            wallet=source,
            amount=transfer.amount,
            type=BalanceTransaction.Type.TRANSFER_IN,
            source=transfer.public_id,
            description=f"Transfer {transfer.public_id} to {destination.public_id} returned: rejected by review",
        )
        kind, what = JournalEntry.Kind.REVIEW_REVERSAL, "returned to the sender"
    wallet_post_entry(
        wallet_lines=[line],
        lines=[debit(destination.pending_account_id, transfer.amount)],
        kind=kind,
        description=f"Transfer {transfer.public_id} {what} (review {review.public_id})",
        reference=transfer.public_id,
        metadata={"transfer": transfer.public_id, "review": review.public_id},
        created_by=review.closed_by,
        request_id=review.acting_request_id,
    )
    transfer.funds_held = False
    if not to_recipient:
        transfer.status = Transfer.Status.REVERSED
    transfer.save(update_fields=["funds_held", "status"])
    logger.info("transfer_review_closed", transfer=transfer.public_id, review=review.public_id, entry_kind=kind)
    return transfer


def transfer_review_approve(*, review) -> None:
    """Review handler (approve): release the held amount to the recipient's available balance."""
    _transfer_move_held(review=review, to_recipient=True)


def transfer_review_reject(*, review) -> None:
    """Review handler (reject): return the held amount to the sender's wallet; the transfer is `reversed`."""
    _transfer_move_held(review=review, to_recipient=False)


def transfer_review_event(*, review, event_type: str, data: dict) -> None:
    """Record a transfer review's `review.opened` / `review.closed` for the sender and the recipient."""
    transfer = Transfer.objects.select_related("sender", "recipient").get(public_id=review.object_id)
    _review_event_record(review=review, users=transfer.parties, event_type=event_type, data=data)


FRAUD_REVIEW_REJECTED = "fraud_review_rejected"


def _payout_for_review(review) -> Payout:
    payout = (
        Payout.objects.select_for_update(of=("self",)).select_related("wallet", "user").get(public_id=review.object_id)
    )
    if payout.status != Payout.Status.PENDING or not payout.held_for_review:
        raise Conflict(f"Payout {payout.public_id} is not held for review.", code="payout_not_held")
    return payout


def payout_review_approve(*, review) -> None:
    """Review handler (approve): lift the hold; process_payouts settles the payout when it is due."""
    payout = _payout_for_review(review)
    payout.held_for_review = False
    payout.save(update_fields=["held_for_review"])
    logger.info("payout_review_approved", payout=payout.public_id, review=review.public_id)


def payout_review_reject(*, review) -> None:
    """Review handler (reject): fail the payout (`fraud_review_rejected`); the money goes back to
    the wallet (entry "payout_reversal", balance transaction "payout_reversal", `payout.failed`)."""
    payout = _payout_for_review(review)
    payout.held_for_review = False
    payout.save(update_fields=["held_for_review"])
    payout_mark_failed(
        payout=payout,
        failure_code=FRAUD_REVIEW_REJECTED,
        failure_message="The payout was rejected by fraud review.",
        now=timezone.now(),
    )
    logger.info("payout_review_rejected", payout=payout.public_id, review=review.public_id)


def payout_review_event(*, review, event_type: str, data: dict) -> None:
    """Record a payout review's `review.opened` / `review.closed` for the payout's owner."""
    _review_event_record(review=review, users=[review.user], event_type=event_type, data=data)


def _review_event_record(*, review, users, event_type: str, data: dict) -> None:
    for owner in users:
        event_record(user=owner, event_type=event_type, data_object=data, request_id=review.acting_request_id)
