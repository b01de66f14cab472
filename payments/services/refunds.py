"""Refunds: taken from the wallet at once (pending), sent to the connector after commit."""

import structlog
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.api import audit_log_record
from fraud.api import ListEntry, assessment_label, blocklist_add
from payments.connectors import connector_get
from payments.connectors.base import ERROR, ConnectorResult, RefundRequest
from payments.errors import AmountTooLarge, ChargeDisputed, PaymentIntentMissing, PaymentIntentUnexpectedState
from payments.models import Dispute, PaymentIntent, Refund
from payments.representations import refund_representation
from payments.services.connector_calls import REFUND, connector_idempotency_key
from payments.services.postings import refund_fee_share, refund_post, refund_reversal_post
from payments_platform.api.amounts import amount_validate
from payments_platform.api.ids import new_public_id
from payments_platform.observability import metrics
from webhooks.api import event_record

logger = structlog.get_logger(__name__)

# A payment with one of these disputes cannot be refunded (400 charge_disputed); an inquiry does not block.
DISPUTE_BLOCKS_REFUND = (Dispute.Status.NEEDS_RESPONSE, Dispute.Status.UNDER_REVIEW, Dispute.Status.LOST)


def refund_create(
    *,
    user,
    payment_intent: str,
    amount: int | None = None,
    reason: str | None = None,
    request_id: str = "",
    idempotency_claim: int | None = None,
) -> Refund:
    """Refund all or part of a succeeded intent, from the wallet it credited.

    `amount`, when given, is first checked to be an integer from 1 to MAX_AMOUNT (400
    parameter_invalid, param amount: `amount_validate`, the only check of its form). Then, in one
    transaction, under the intent's row lock (so concurrent refunds never exceed the
    captured amount): checks the status (400 `payment_intent_unexpected_state` unless succeeded,
    and while the payment is held for a fraud review: closing the review refunds or releases it)
    and the remaining amount (400 `amount_too_large`, param amount); posts the refund entry (debit
    the wallet, credit the connector receivable; 400 `balance_insufficient` with nothing written
    when the wallet cannot cover it); writes the refund `pending` and `refund.created`. With
    REFUND_FEE_POLICY=return (the default) the refund also gives back its share of the platform fee
    (`postings.refund_fee_share`, computed under the same lock, so racing refunds never return more
    than the fee): the wallet pays amount - share, and a full refund of money still in the wallet
    always fits. `retain` keeps the fee. Reason `fraudulent` also puts the card's fingerprint on the
    blocked cards list and labels the payment's feature-log rows as fraud.

    After that transaction commits (at once when the caller holds none, as the API's phased keyed
    requests do; after the caller's transaction otherwise, as for an operator's refund or a
    rejected review) the connector is asked to refund, with the idempotency key
    `connector_idempotency_key(..., operation=REFUND, number=n)` (f"{pi_id}:refund:{n}"), and
    the refund becomes `succeeded`, or `failed` with the money returned to the wallet and
    `refund.failed`. A crash in between leaves it `pending` for `sync_payment_attempts`.

    `idempotency_claim` (the request's Idempotency-Key claim, stored on the refund): a retry that
    takes over the key of a crashed request finds the refund that request created and sends it
    to the connector again with the same key, never making a second one.
    """
    if amount is not None:
        amount_validate(amount=amount)
    if idempotency_claim is not None:
        existing = Refund.objects.filter(user=user, idempotency_claim=idempotency_claim).first()
        if existing is not None:
            logger.warning("refund_create_rerun", refund=existing.public_id)
            return refund_execute(refund_pk=existing.pk, request_id=request_id)
    intent_pk = PaymentIntent.objects.filter(user=user, public_id=payment_intent).values_list("pk", flat=True).first()
    if intent_pk is None:
        raise PaymentIntentMissing(f"No such payment intent: {payment_intent!r}.", param="payment_intent")
    return _refund(
        intent_pk=intent_pk, amount=amount, reason=reason, request_id=request_id, idempotency_claim=idempotency_claim
    )


def refund_by_operator(
    *, intent: PaymentIntent, amount: int, reason: str | None, actor, request_id: str = "", ip: str | None = None
) -> Refund:
    """An operator refunds `amount` of a succeeded payment from the admin: everything `refund_create`
    does (entry with the operator as `created_by` and their request id, statement line `refund`,
    `refund.created`, the connector asked after commit) plus the audit record `payments.refund.issued`
    (with `ip`), in one transaction. Raises what `refund_create` raises, with nothing written."""
    amount_validate(amount=amount)
    with transaction.atomic():
        refund = _refund(intent_pk=intent.pk, amount=amount, reason=reason, request_id=request_id, actor=actor)
        audit_log_record(
            action="payments.refund.issued",
            actor=actor,
            object_type="payment_intent",
            object_id=intent.public_id,
            request_id=request_id,
            ip=ip,
            details={
                "refund": refund.public_id,
                "amount": refund.amount,
                "currency": refund.currency,
                "reason": reason,
            },
        )
    return refund


def refund_create_held(*, intent_pk: int, request_id: str = "") -> Refund:
    """Refund the whole of a payment held for a fraud review that was rejected (reason `fraudulent`):
    the net comes from the wallet's pending account and the platform fee is returned (see
    `postings.refund_post`), then the connector is asked as for any refund. Runs in the caller's
    transaction (review_close's)."""
    return _refund(intent_pk=intent_pk, amount=None, reason=Refund.Reason.FRAUDULENT, request_id=request_id, held=True)


def _refund(
    *,
    intent_pk: int,
    amount: int | None,
    reason: str | None,
    request_id: str,
    held: bool = False,
    idempotency_claim: int | None = None,
    actor=None,
) -> Refund:
    with transaction.atomic():
        intent = (
            PaymentIntent.objects.select_for_update(of=("self",))
            .select_related("wallet", "user", "payment_method")
            .get(pk=intent_pk)
        )
        if intent.status != PaymentIntent.Status.SUCCEEDED:
            raise PaymentIntentUnexpectedState(
                f"This payment intent's status is {intent.status}; only a succeeded one can be refunded.",
                param="payment_intent",
            )
        if intent.held_for_review != held:
            raise PaymentIntentUnexpectedState(
                "This payment is held for a fraud review; closing the review releases or refunds it.",
                param="payment_intent",
            )
        # Disputes open under this same intent lock (services.disputes.dispute_open): no race.
        if intent.disputes.filter(status__in=DISPUTE_BLOCKS_REFUND).exists():
            raise ChargeDisputed(param="payment_intent")
        remaining = intent.amount_received - intent.amount_refunded
        amount = amount or remaining
        if remaining <= 0 or amount > remaining:
            raise AmountTooLarge(f"At most {remaining} of this payment remains to refund.", param="amount")
        number = intent.refunds.count() + 1
        if held:  # the whole payment, fee included (postings._held_refund_lines)
            fee_share = intent.fee
        else:
            fee_share = refund_fee_share(intent=intent, amount=amount, fee_already_returned=_fee_returned(intent))
        refund = Refund(
            public_id=new_public_id("re"),
            intent=intent,
            user=intent.user,
            amount=amount,
            currency=intent.currency,
            reason=reason,
            connector=intent.connector,
            idempotency_key=connector_idempotency_key(
                intent_public_id=intent.public_id, operation=REFUND, number=number
            ),
            from_held_funds=held,
            fee_refunded=fee_share,
            idempotency_claim=idempotency_claim,
        )
        refund.entry = refund_post(refund=refund, intent=intent, request_id=request_id, created_by=actor)
        refund.created = refund.updated = refund.entry.created
        refund.save(force_insert=True)
        intent.amount_refunded += amount
        intent.updated = timezone.now()
        intent.save(update_fields=["amount_refunded", "updated"])
        if reason == Refund.Reason.FRAUDULENT:
            _report_fraud(intent=intent, refund=refund)
        event_record(
            user=intent.user,
            event_type="refund.created",
            data_object=refund_representation(refund),
            request_id=request_id,
        )
        metrics.refund_counted(status=refund.status)
    logger.info("refund_created", refund=refund.public_id, payment_intent=intent.public_id, amount=amount)

    def execute_after_commit() -> None:
        refund_execute(refund_pk=refund.pk, request_id=request_id)

    # robust: a failure here (the database gone after the commit) is logged by Django and the
    # refund stays pending for `sync_payment_attempts`. A named function, not a functools.partial:
    # Django names the callback in that log line, and a partial has no __qualname__ (500).
    transaction.on_commit(execute_after_commit, robust=True)
    refund.refresh_from_db()
    return refund


def _fee_returned(intent: PaymentIntent) -> int:
    """The fee share already given back by the intent's refunds that did not fail (their reversal
    took it back). Read under the intent's lock, which every refund of it takes first."""
    refunds = intent.refunds.exclude(status=Refund.Status.FAILED)
    return refunds.aggregate(total=Sum("fee_refunded"))["total"] or 0


def _report_fraud(*, intent: PaymentIntent, refund: Refund) -> None:
    """A refund for fraud: block the card (fingerprint) and label the payment's assessments as fraud."""
    if intent.payment_method is not None:
        blocklist_add(
            list_kind=ListEntry.Kind.CARD_FINGERPRINT,
            value=intent.payment_method.fingerprint,
            reason=f"refund {refund.public_id} of {intent.public_id}: fraudulent",
            actor=intent.user if not refund.from_held_funds else None,
        )
    assessment_label(
        object_type="payment_intent", object_id=intent.public_id, fraudulent=True, source="refund_fraudulent"
    )


def refund_execute(*, refund_pk: int, request_id: str = "") -> Refund:
    """Ask the connector to refund a `pending` refund (same key every time: safe to repeat) and record the answer."""
    refund = Refund.objects.select_related("intent").get(pk=refund_pk)
    if refund.status != Refund.Status.PENDING:
        return refund
    request = RefundRequest(
        idempotency_key=refund.idempotency_key,
        reference=refund.intent.connector_reference,
        amount=refund.amount,
        currency=refund.currency,
    )
    try:
        result = connector_get(refund.connector).refund(request)
    except Exception:  # any connector crash is a technical failure
        logger.exception("connector_call_failed", connector=refund.connector, refund=refund.public_id)
        return refund
    return refund_finish(refund_pk=refund_pk, result=result, request_id=request_id)


def refund_finish(*, refund_pk: int, result: ConnectorResult, request_id: str = "") -> Refund:
    """Record the connector's answer: `succeeded`, or `failed` with a reversing entry (money back in
    the wallet, the receivable restored), amount_refunded lowered and `refund.failed`. Idempotent."""
    with transaction.atomic():
        intent_pk = Refund.objects.filter(pk=refund_pk).values_list("intent_id", flat=True).get()
        intent = (
            PaymentIntent.objects.select_for_update(of=("self",)).select_related("wallet", "user").get(pk=intent_pk)
        )
        refund = Refund.objects.select_for_update().get(pk=refund_pk)
        if refund.status != Refund.Status.PENDING:
            return refund
        refund.updated = timezone.now()
        if result.succeeded:
            refund.status = Refund.Status.SUCCEEDED
            refund.connector_reference = result.reference
            refund.save(update_fields=["status", "connector_reference", "updated"])
            metrics.refund_counted(status=refund.status)
        else:
            refund.status = Refund.Status.FAILED
            refund.failure_code = result.error_code or result.decline_code or ERROR
            refund.reversal_entry = refund_reversal_post(refund=refund, intent=intent)
            refund.save(update_fields=["status", "failure_code", "reversal_entry", "updated"])
            intent.amount_refunded -= refund.amount
            intent.updated = timezone.now()
            intent.save(update_fields=["amount_refunded", "updated"])
            event_record(
                user=intent.user,
                event_type="refund.failed",
                data_object=refund_representation(refund),
                request_id=request_id,
            )
            metrics.refund_counted(status=refund.status)
    logger.info("refund_finished", refund=refund.public_id, status=refund.status, failure_code=refund.failure_code)
    return refund
