"""Refunds: taken from the wallet at once (pending), sent to the connector after commit."""

from functools import partial

import structlog
from django.db import transaction
from django.utils import timezone

from payments.connectors import connector_get
from payments.connectors.base import ERROR, ConnectorResult, RefundRequest
from payments.errors import AmountTooLarge, PaymentIntentMissing, PaymentIntentUnexpectedState
from payments.models import PaymentIntent, Refund
from payments.serializers import refund_representation
from payments.services.postings import refund_post, refund_reversal_post
from payments_platform.api.ids import new_public_id
from webhooks.services import event_record

logger = structlog.get_logger(__name__)


def refund_create(
    *, user, payment_intent: str, amount: int | None = None, reason: str | None = None, request_id: str = ""
) -> Refund:
    """Refund all or part of a succeeded intent, from the wallet it credited.

    In one transaction, under the intent's row lock (so concurrent refunds never exceed the
    captured amount): checks the status (400 `payment_intent_unexpected_state` unless succeeded)
    and the remaining amount (400 `amount_too_large`, param amount); posts the refund entry (debit
    the wallet, credit the connector receivable; 400 `balance_insufficient` with nothing written
    when the wallet cannot cover it); writes the refund `pending` and `refund.created`. The
    platform fee is not returned.

    After commit (at once outside a transaction; after the request's transaction in a keyed
    request) the connector is asked to refund, with the idempotency key f"{pi_id}:refund:{n}",
    and the refund becomes `succeeded`, or `failed` with the money returned to the wallet and
    `refund.failed`. A crash in between leaves it `pending` for `sync_payment_attempts`.
    """
    intent_pk = PaymentIntent.objects.filter(user=user, public_id=payment_intent).values_list("pk", flat=True).first()
    if intent_pk is None:
        raise PaymentIntentMissing(f"No such payment intent: {payment_intent!r}.", param="payment_intent")
    with transaction.atomic():
        intent = (
            PaymentIntent.objects.select_for_update(of=("self",)).select_related("wallet", "user").get(pk=intent_pk)
        )
        if intent.status != PaymentIntent.Status.SUCCEEDED:
            raise PaymentIntentUnexpectedState(
                f"This payment intent's status is {intent.status}; only a succeeded one can be refunded.",
                param="payment_intent",
            )
        remaining = intent.amount_received - intent.amount_refunded
        amount = amount or remaining
        if remaining <= 0 or amount > remaining:
            raise AmountTooLarge(f"At most {remaining} of this payment remains to refund.", param="amount")
        number = intent.refunds.count() + 1
        refund = Refund(
            public_id=new_public_id("re"),
            intent=intent,
            user=intent.user,
            amount=amount,
            currency=intent.currency,
            reason=reason,
            connector=intent.connector,
            idempotency_key=f"{intent.public_id}:refund:{number}",
        )
        refund.entry = refund_post(refund=refund, intent=intent, request_id=request_id)
        refund.created = refund.updated = refund.entry.created
        refund.save(force_insert=True)
        intent.amount_refunded += amount
        intent.updated = timezone.now()
        intent.save(update_fields=["amount_refunded", "updated"])
        # --- FRAUD HOOK: reason "fraudulent" adds the card's fingerprint to the blocklist
        # (intent.payment_method.fingerprint), wired with the fraud app in a later step. ---
        event_record(
            user=intent.user,
            event_type="refund.created",
            data_object=refund_representation(refund),
            request_id=request_id,
        )
    logger.info("refund_created", refund=refund.public_id, payment_intent=intent.public_id, amount=amount)
    transaction.on_commit(partial(refund_execute, refund_pk=refund.pk, request_id=request_id), robust=True)
    refund.refresh_from_db()
    return refund


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
    logger.info("refund_finished", refund=refund.public_id, status=refund.status, failure_code=refund.failure_code)
    return refund
