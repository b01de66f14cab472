"""State helpers of payment intents, shared by the lifecycle, confirm and 3-D Secure services.

The intent's row lock is taken here only (`intent_locked`), so every writer locks the same way:
the intent first, then its attempt, refund or 3-D Secure session.
"""

from collections.abc import Sequence

import structlog
from django.utils import timezone

from payments.errors import CardDeclined, PaymentIntentMissing, PaymentMethodMissing
from payments.models import PaymentAttempt, PaymentIntent, PaymentMethod
from payments.representations import payment_intent_representation
from payments.services.postings import capture_post
from payments_platform.observability import metrics
from webhooks.api import event_record

logger = structlog.get_logger(__name__)

Status = PaymentIntent.Status

CONFIRMABLE = (Status.REQUIRES_PAYMENT_METHOD, Status.REQUIRES_CONFIRMATION)
CANCELABLE = (
    Status.REQUIRES_PAYMENT_METHOD,
    Status.REQUIRES_CONFIRMATION,
    Status.REQUIRES_ACTION,
    Status.REQUIRES_CAPTURE,
)


def intent_locked(*, pk: int) -> PaymentIntent:
    """The intent, re-read under its row lock, with its wallet, payment method and user. The caller
    holds a transaction."""
    return (
        PaymentIntent.objects.select_for_update(of=("self",))
        .select_related("wallet", "payment_method", "user")
        .get(pk=pk)
    )


def intent_owned(*, user, public_id: str, param: str = "id") -> PaymentIntent:
    """`user`'s intent `public_id`, unlocked, with its payment method; 404 for anyone else's."""
    intent = PaymentIntent.objects.select_related("payment_method").filter(user=user, public_id=public_id).first()
    if intent is None:
        raise PaymentIntentMissing(f"No such payment intent: {public_id!r}.", param=param)
    intent.user = user
    return intent


def intent_owned_pk(*, user, public_id: str, param: str = "id") -> int:
    """The primary key of `user`'s intent `public_id`; 404 for anyone else's."""
    pk = PaymentIntent.objects.filter(user=user, public_id=public_id).values_list("pk", flat=True).first()
    if pk is None:
        raise PaymentIntentMissing(f"No such payment intent: {public_id!r}.", param=param)
    return pk


def payment_method_owned(*, user, public_id: str) -> PaymentMethod:
    """`user`'s payment method `public_id`; 404 (param payment_method) for anyone else's."""
    method = PaymentMethod.objects.filter(user=user, public_id=public_id).first()
    if method is None:
        raise PaymentMethodMissing(f"No such payment method: {public_id!r}.", param="payment_method")
    return method


def intent_save(intent: PaymentIntent, *fields: str) -> None:
    """Save `fields` of the intent (and `updated`)."""
    intent.updated = timezone.now()
    intent.save(update_fields=[*fields, "updated"])


def intent_event_record(
    *,
    intent: PaymentIntent,
    event_type: str,
    request_id: str,
    counted: bool = True,
    attempts: Sequence[PaymentAttempt] | None = None,
) -> None:
    """Record `event_type` for the intent's owner in the caller's transaction; `counted`: also count
    the intent's new status in the payment intents metric. `attempts`: see `payment_intent_representation`."""
    event_record(
        user=intent.user,
        event_type=event_type,
        data_object=payment_intent_representation(intent, attempts=attempts),
        request_id=request_id,
    )
    if counted:
        metrics.payment_intent_counted(status=intent.status, connector=intent.connector)


def intent_capture_apply(intent: PaymentIntent, *, amount: int, request_id: str) -> None:
    """Post the capture of `amount` and mark the intent succeeded (the rest is released), with
    `payment_intent.succeeded`. An intent `held_for_review` is captured into the wallet's pending
    account. The caller holds the intent's lock."""
    entry, fee = capture_post(intent=intent, amount=amount, request_id=request_id, held=intent.held_for_review)
    intent.status = Status.SUCCEEDED
    intent.amount_received = amount
    intent.amount_capturable = 0
    intent.capture_requested_amount = None
    intent.fee = fee
    intent.capture_entry = entry
    intent.captured_at = entry.created
    intent_save(
        intent,
        "connector",
        "connector_reference",
        "status",
        "amount_received",
        "amount_capturable",
        "capture_requested_amount",
        "fee",
        "capture_entry",
        "captured_at",
        "held_for_review",
    )
    intent_event_record(intent=intent, event_type="payment_intent.succeeded", request_id=request_id)


def intent_raise_if_failed(intent: PaymentIntent) -> None:
    """After the failure is committed: the 402 of a failed intent (a keyed request stores it as its response)."""
    if intent.status != Status.REQUIRES_PAYMENT_METHOD or not intent.last_payment_error:
        return
    error = intent.last_payment_error
    extra = {"payment_intent": {"id": intent.public_id, "status": intent.status}}
    if error.get("decline_code"):
        extra["decline_code"] = error["decline_code"]
    raise CardDeclined(error["message"], code=error["code"], extra=extra)
