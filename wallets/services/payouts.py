"""Payouts to a bank account: create (screened, possibly held for review), and settle with the bank."""

from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fraud.api import Assessment, RiskContext, assessment_record, review_open
from ledger.api import Account, JournalEntry, credit, debit, post_entry, system_account
from payments_platform.api.ids import new_public_id
from payments_platform.observability import metrics
from wallets.errors import WalletMissing
from wallets.models import BalanceTransaction, Payout, Wallet
from wallets.representations import payout_representation
from wallets.sandbox import bank
from wallets.services.amounts import amount_validate
from wallets.services.screening import (
    attempt_counted,
    attempt_screen,
    destination_fingerprint,
    risk_context_build,
)
from wallets.services.statements import WalletLine, wallet_post_entry
from webhooks.api import event_record

logger = structlog.get_logger(__name__)


def payout_arrival_delay() -> timedelta:
    """PAYOUT_DELAY_SECONDS (default 86400): how long the simulated bank takes; `process_payouts`
    (run by the scheduler) settles a pending payout once its `arrival_date` has passed."""
    return timedelta(seconds=getattr(settings, "PAYOUT_DELAY_SECONDS", 86400))


def payout_create(
    *,
    user,
    wallet: str,
    amount: int,
    account_number: str,
    routing_number: str,
    description: str = "",
    metadata: dict | None = None,
    request_id: str = "",
    ip: str | None = None,
    destination: str | None = None,
    occurred_at: datetime | None = None,
) -> Payout:
    """Withdraw `amount` from one of `user`'s wallets to a bank account.

    Raises `ParameterInvalid` (param "amount") for an amount that is not an integer from 1 to
    MAX_AMOUNT (`amount_validate`, the only check of it), then `WalletMissing` (404, param
    "wallet") for a wallet that is unknown or not the user's.
    Then fraud screening (`assess` with the client `ip` and the `destination` fingerprint, see
    `destination_fingerprint`; computed here when not given): `blocked` raises
    `BlockedByFraudScreening` (400) with nothing written; `manual_review` writes the payout
    `held_for_review` (process_payouts leaves it alone until the review is approved; a
    rejection fails it with `fraud_review_rejected` and returns the money) and opens a review
    (`review.opened`). Then, in one transaction: the instruction goes to the (simulated) bank, the money moves at
    once from the wallet's available balance to "payouts in transit" (entry kind "payout";
    `InsufficientFunds` with nothing written when the wallet cannot cover it), the payout is
    written `pending` with only the account number's last four digits, with a balance
    transaction (type "payout"), a `payout.created` event and the assessment's feature-log row.

    The account number is never stored or logged. The simulator is a pure function, so asking
    it inside the transaction has no outside effect; a real bank connector would be called
    after commit, from an outbox.

    Returns the payout with `representation`: its API shape, built once, which its
    `payout.created` event carries and the API answers with.
    """
    amount_validate(amount=amount)
    owned = Wallet.objects.filter(public_id=wallet, user=user).first()
    if owned is None:
        raise WalletMissing(f"No such wallet: {wallet!r}.", param="wallet")
    in_transit = system_account(purpose="payouts_in_transit", currency=owned.currency)
    context = risk_context_build(
        operation="payout",
        user=user,
        amount=amount,
        currency=owned.currency,
        ip=ip,
        destination=destination
        or destination_fingerprint(routing_number=routing_number, account_number=account_number),
        occurred_at=occurred_at,
    )
    assessment = attempt_screen(context=context)
    held = assessment.needs_review
    payout_id = new_public_id("po")
    with attempt_counted(context=context):
        payout = _payout_write(
            user=user,
            owned=owned,
            in_transit=in_transit,
            payout_id=payout_id,
            amount=amount,
            account_number=account_number,
            routing_number=routing_number,
            description=description,
            metadata=metadata,
            request_id=request_id,
            context=context,
            assessment=assessment,
        )
    logger.info(
        "payout_created",
        payout=payout_id,
        amount=amount,
        currency=payout.currency,
        outcome=assessment.outcome_type,
        risk_score=assessment.risk_score,
        held_for_review=held,
    )
    return payout


def _payout_write(
    *,
    user,
    owned: Wallet,
    in_transit: Account,
    payout_id: str,
    amount: int,
    account_number: str,
    routing_number: str,
    description: str,
    metadata: dict | None,
    request_id: str,
    context: RiskContext,
    assessment: Assessment,
) -> Payout:
    """payout_create's transaction: feature-log row, review if any, entry, bank submission, payout, event."""
    held = assessment.needs_review
    with transaction.atomic():
        assessment_record(context=context, assessment=assessment, object_type="payout", object_id=payout_id)
        if held:
            review_open(
                user=user,
                object_type="payout",
                object_id=payout_id,
                assessment=assessment,
                request_id=request_id,
            )
        entry, _ = wallet_post_entry(
            wallet_lines=[
                WalletLine(
                    wallet=owned,
                    amount=-amount,
                    type=BalanceTransaction.Type.PAYOUT,
                    source=payout_id,
                    description=description or f"Payout to bank account ending {account_number[-4:]}",
                )
            ],
            lines=[credit(in_transit, amount)],
            kind=JournalEntry.Kind.PAYOUT,
            description=description or f"Payout {payout_id}",
            reference=payout_id,
            metadata={"payout": payout_id},
            created_by=user,
            request_id=request_id,
        )
        bank_reference = bank.payout_submit(
            account_number=account_number, routing_number=routing_number, amount=amount, currency=owned.currency
        )
        payout = Payout.objects.create(
            public_id=payout_id,
            wallet=owned,
            user=user,
            amount=amount,
            currency=owned.currency,
            account_last4=account_number[-4:],
            routing_number=routing_number,
            bank_reference=bank_reference,
            description=description,
            metadata=metadata or {},
            outcome=assessment.as_outcome(),
            held_for_review=held,
            arrival_date=entry.created + payout_arrival_delay(),
            entry=entry,
            created=entry.created,
        )
        payout.representation = payout_representation(payout)
        event_record(user=user, event_type="payout.created", data_object=payout.representation, request_id=request_id)
        metrics.payout_counted(status=payout.status)
    return payout


def payout_mark_paid(*, payout: Payout, now: datetime) -> None:
    """The bank paid: the money leaves "payouts in transit" for the bank (platform cash falls)."""
    in_transit = system_account(purpose="payouts_in_transit", currency=payout.currency)
    cash = system_account(purpose="platform_cash", currency=payout.currency)
    entry = post_entry(
        lines=[debit(in_transit, payout.amount), credit(cash, payout.amount)],
        kind=JournalEntry.Kind.PAYOUT_PAID,
        description=f"Payout {payout.public_id} paid by the bank",
        reference=payout.public_id,
        metadata={"payout": payout.public_id},
    )
    payout.status = Payout.Status.PAID
    payout.settlement_entry = entry
    payout.settled_at = now
    payout.save(update_fields=["status", "settlement_entry", "settled_at"])
    event_record(user=payout.user, event_type="payout.paid", data_object=payout_representation(payout))
    metrics.payout_counted(status=payout.status)


def payout_mark_failed(*, payout: Payout, failure_code: str, failure_message: str, now: datetime) -> None:
    """The bank refused: the money goes back from "payouts in transit" to the wallet."""
    in_transit = system_account(purpose="payouts_in_transit", currency=payout.currency)
    entry, _ = wallet_post_entry(
        wallet_lines=[
            WalletLine(
                wallet=payout.wallet,
                amount=payout.amount,
                type=BalanceTransaction.Type.PAYOUT_REVERSAL,
                source=payout.public_id,
                description=f"Payout failed: {failure_message}",
            )
        ],
        lines=[debit(in_transit, payout.amount)],
        kind=JournalEntry.Kind.PAYOUT_REVERSAL,
        description=f"Payout {payout.public_id} failed ({failure_code})",
        reference=payout.public_id,
        metadata={"payout": payout.public_id, "failure_code": failure_code},
    )
    payout.status = Payout.Status.FAILED
    payout.failure_code = failure_code
    payout.failure_message = failure_message
    payout.settlement_entry = entry
    payout.settled_at = now
    payout.save(update_fields=["status", "failure_code", "failure_message", "settlement_entry", "settled_at"])
    event_record(user=payout.user, event_type="payout.failed", data_object=payout_representation(payout))
    metrics.payout_counted(status=payout.status)


def payout_settle_next(*, due_by: datetime | None) -> Payout | None:
    """Claim one pending payout due by `due_by` (any pending one when None) that is not held for
    a fraud review, ask the bank how it
    ended, and settle it: `paid` (entry kind "payout_paid") or `failed` (entry kind
    "payout_reversal", money back in the wallet), with its `payout.paid` / `payout.failed` event,
    all in one transaction. Returns the settled payout, or None when nothing is due.

    The payout row is claimed with SELECT ... FOR UPDATE SKIP LOCKED and re-read under that
    lock, so any number of concurrent processors settle each payout exactly once.
    """
    now = timezone.now()
    with transaction.atomic():
        pending = Payout.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            status=Payout.Status.PENDING, held_for_review=False
        )
        if due_by is not None:
            pending = pending.filter(arrival_date__lte=due_by)
        payout = pending.select_related("wallet", "user").order_by("arrival_date", "pk").first()
        if payout is None:
            return None
        try:
            outcome = bank.payout_outcome(payout.bank_reference)
        except bank.UnknownBankReference:
            outcome = bank.PayoutOutcome(
                status=bank.FAILED,
                failure_code="could_not_process",
                failure_message="The bank could not process this payout.",
            )
        if outcome.status == bank.PAID:
            payout_mark_paid(payout=payout, now=now)
        else:
            payout_mark_failed(
                payout=payout,
                failure_code=outcome.failure_code or "could_not_process",
                failure_message=outcome.failure_message or "The bank could not process this payout.",
                now=now,
            )
    logger.info("payout_settled", payout=payout.public_id, status=payout.status, failure_code=payout.failure_code)
    return payout
