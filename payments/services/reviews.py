"""What closing a payment's fraud review does: the `payment_intent` review handlers.

Registered from `PaymentsConfig.ready()` with `fraud.services.register_review_handler` (fraud
never imports payments). `fraud.services.review_close` calls them inside its transaction, with
the review locked; it then blocks the card on reject, labels the feature log, writes the audit
log and emits `review.closed` (recorded by `payment_review_event`).

By the intent's status when the review closes:

- succeeded and held: approve releases the net, pending -> available (entry `review_release`);
  reject refunds it all from pending with the platform fee returned (reason `fraudulent`).
- requires_capture (manual capture, not captured yet): approve holds nothing, so a later capture
  goes to available; reject voids the authorization (canceled, reason `fraudulent`).
- processing (a capture in flight): approve lets the capture post to available; reject is a 409
  `payment_intent_processing` (retry when the capture ends).
- canceled / requires_payment_method: nothing to move either way.
"""

import structlog

from payments.models import PaymentIntent
from payments.services.intents import payment_intent_cancel_by_system
from payments.services.postings import review_release_post
from payments.services.refunds import refund_create_held
from payments_platform.api.errors import Conflict
from webhooks.api import event_record

logger = structlog.get_logger(__name__)

Status = PaymentIntent.Status


def _intent_for_review(review) -> PaymentIntent:
    return (
        PaymentIntent.objects.select_for_update(of=("self",))
        .select_related("wallet", "user", "payment_method")
        .get(public_id=review.object_id)
    )


def payment_review_approve(*, review) -> None:
    """Review handler (approve): release a held payment's net amount to the wallet's available balance."""
    intent = _intent_for_review(review)
    if intent.status == Status.SUCCEEDED and intent.held_for_review:
        review_release_post(
            intent=intent, review_id=review.public_id, actor=review.closed_by, request_id=review.acting_request_id
        )
    intent.held_for_review = False
    intent.save(update_fields=["held_for_review"])
    logger.info("payment_review_approved", payment_intent=intent.public_id, review=review.public_id)


def payment_review_reject(*, review) -> None:
    """Review handler (reject): refund a held payment (from the pending account) or void an uncaptured one."""
    intent = _intent_for_review(review)
    if intent.status == Status.PROCESSING:
        raise Conflict(
            f"Payment intent {intent.public_id} is being processed; close the review when it ends.",
            code="payment_intent_processing",
        )
    if intent.status == Status.SUCCEEDED and intent.held_for_review:
        refund_create_held(intent_pk=intent.pk, request_id=review.acting_request_id)
    elif intent.status == Status.REQUIRES_CAPTURE:
        payment_intent_cancel_by_system(intent_pk=intent.pk, reason="fraudulent", request_id=review.acting_request_id)
    PaymentIntent.objects.filter(pk=intent.pk).update(held_for_review=False)
    logger.info("payment_review_rejected", payment_intent=intent.public_id, review=review.public_id)


def payment_review_event(*, review, event_type: str, data: dict) -> None:
    """Record a payment review's `review.opened` / `review.closed` for the payment's owner."""
    event_record(user=review.user, event_type=event_type, data_object=data, request_id=review.acting_request_id)
