"""Payment attempts: one authorization sent to one connector, and what its answer does to the intent.

`payment_attempt_finish` is the one place an authorization's outcome is applied, for a confirm, a
completed 3-D Secure page and `sync_payment_attempts` alike. Locks: the intent, then its attempt.
"""

import structlog
from django.db import transaction
from django.utils import timezone

from fraud.api import Assessment, OutcomeType, RiskLevel, review_open
from payments import routing
from payments.connectors.base import PROCESSING_ERROR, ConnectorResult
from payments.models import PaymentAttempt, PaymentIntent
from payments.services.authentication_sessions import authentication_require
from payments.services.connector_calls import AUTHORIZE, authorize_call, connector_idempotency_key
from payments.services.intent_state import intent_capture_apply, intent_event_record, intent_locked, intent_save

logger = structlog.get_logger(__name__)

Status = PaymentIntent.Status

ATTEMPT_STATUS_OF_RESULT = {
    "succeeded": PaymentAttempt.Status.SUCCEEDED,
    "declined": PaymentAttempt.Status.DECLINED,
    "requires_action": PaymentAttempt.Status.REQUIRES_ACTION,
}


def payment_attempt_create(*, intent: PaymentIntent, connector: str) -> PaymentAttempt:
    """The intent's next attempt (`pending`) at `connector`. The caller holds the intent's lock."""
    last = intent.attempts.order_by("-attempt_number").values_list("attempt_number", flat=True).first() or 0
    number = last + 1
    return PaymentAttempt.objects.create(
        intent=intent,
        attempt_number=number,
        connector=connector,
        idempotency_key=connector_idempotency_key(
            intent_public_id=intent.public_id, operation=AUTHORIZE, number=number
        ),
    )


def payment_attempt_record(attempt: PaymentAttempt, result: ConnectorResult) -> None:
    """Store the connector's answer on the attempt. The caller holds the attempt's lock."""
    attempt.status = ATTEMPT_STATUS_OF_RESULT.get(result.status, PaymentAttempt.Status.ERROR)
    attempt.error_code = result.error_code
    attempt.decline_code = result.decline_code
    attempt.latency_ms = result.latency_ms
    attempt.reference = result.reference
    attempt.updated = timezone.now()
    attempt.save(update_fields=["status", "error_code", "decline_code", "latency_ms", "reference", "updated"])


def payment_attempt_finish(
    *,
    attempt_pk: int,
    result: ConnectorResult,
    request_id: str = "",
    assessment: Assessment | None = None,
    intent_pk: int | None = None,
) -> PaymentIntent:
    """Record the connector's final answer to an attempt and move the intent on, in one transaction:
    succeeded (automatic capture: the capture entry) / requires_capture / requires_payment_method.

    An authorization whose fraud outcome is `manual_review` opens the review (`review.opened`) in
    this transaction and marks the intent `held_for_review`, so its capture credits the wallet's
    pending account. `assessment` is the confirm's; `sync_payment_attempts` has none and rebuilds
    one from the stored outcome and the card's fingerprint. `intent_pk`: the attempt's intent, when
    the caller knows it.

    Idempotent: an attempt no longer `pending` (resolved by a concurrent sync) changes nothing.
    """
    with transaction.atomic():
        if intent_pk is None:
            intent_pk = PaymentAttempt.objects.filter(pk=attempt_pk).values_list("intent_id", flat=True).get()
        intent = intent_locked(pk=intent_pk)  # locks: the intent, then its attempt (one order everywhere)
        attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt_pk)
        if attempt.status != PaymentAttempt.Status.PENDING or intent.status != Status.PROCESSING:
            return intent
        payment_attempt_record(attempt, result)
        if result.requires_action:  # 3-D Secure: the intent waits for the cardholder's page
            authentication_require(intent=intent, attempt=attempt, request_id=request_id)
        elif result.succeeded:
            _authorized(intent, attempt=attempt, result=result, assessment=assessment, request_id=request_id)
        else:
            _failed(intent, result=result, request_id=request_id)
    logger.info(
        "payment_attempt_finished",
        payment_intent=intent.public_id,
        connector=attempt.connector,
        status=attempt.status,
        decline_code=attempt.decline_code,
        error_code=attempt.error_code,
    )
    return intent


def _authorized(
    intent: PaymentIntent,
    *,
    attempt: PaymentAttempt,
    result: ConnectorResult,
    assessment: Assessment | None,
    request_id: str,
) -> None:
    intent.connector = attempt.connector
    intent.connector_reference = result.reference
    if (intent.outcome or {}).get("type") == OutcomeType.MANUAL_REVIEW:
        _review_open(intent, assessment=assessment, request_id=request_id)
    if getattr(result, "captured", False):
        intent_capture_apply(intent, amount=intent.amount, request_id=request_id)
        return
    intent.status = Status.REQUIRES_CAPTURE
    intent.amount_capturable = intent.amount
    intent_save(intent, "connector", "connector_reference", "status", "amount_capturable", "held_for_review")
    intent_event_record(intent=intent, event_type="payment_intent.requires_capture", request_id=request_id)


def _failed(intent: PaymentIntent, *, result: ConnectorResult, request_id: str) -> None:
    intent.status = Status.REQUIRES_PAYMENT_METHOD
    if result.declined:
        intent.last_payment_error = {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": result.decline_code,
            "message": result.message or "Your card was declined.",
        }
    else:
        intent.last_payment_error = {
            "type": "card_error",
            "code": PROCESSING_ERROR,
            "decline_code": None,
            "message": "An error occurred while processing your card. Try again later.",
        }
    intent_save(intent, "status", "last_payment_error")
    intent_event_record(intent=intent, event_type="payment_intent.payment_failed", request_id=request_id)


def _review_open(intent: PaymentIntent, *, assessment: Assessment | None, request_id: str) -> None:
    """Open the fraud review of an authorized intent (`review.opened` for its owner) and hold it."""
    if assessment is None:  # sync_payment_attempts: the confirm's assessment is gone; its outcome is stored
        outcome = intent.outcome
        fingerprint = intent.payment_method.fingerprint if intent.payment_method else None
        assessment = Assessment(
            outcome_type=outcome["type"],
            risk_level=outcome.get("risk_level") or RiskLevel.ELEVATED,
            risk_score=outcome.get("risk_score") or 0,
            rules=list(outcome.get("rules") or []),
            reason=outcome.get("reason"),
            signals={"card_fingerprint": fingerprint, "rebuilt_by": "sync_payment_attempts"},
        )
    review_open(
        user=intent.user,
        object_type="payment_intent",
        object_id=intent.public_id,
        assessment=assessment,
        request_id=request_id,
    )
    intent.held_for_review = True


# --- After 3-D Secure (payments.services.authentication) ------------------------------


def payment_attempt_create_authenticated(*, intent: PaymentIntent, connector: str) -> PaymentAttempt:
    """The next attempt (`pending`) of a `requires_action` intent whose cardholder just completed the
    page. The caller holds the intent's lock and sets it `processing` in the same transaction."""
    return payment_attempt_create(intent=intent, connector=connector)


def payment_attempt_authorize_authenticated(
    *, attempt_pk: int, authentication: str, request_id: str = ""
) -> PaymentIntent:
    """Send a pending attempt to its connector carrying the completed 3-D Secure session and finish
    it exactly as a confirm would (`payment_attempt_finish`: capture and postings when automatic, the fraud
    review when the stored outcome asks for one, events). No failover: the authentication belongs
    to that processor. An unknown outcome leaves the attempt pending for `sync_payment_attempts`."""
    attempt = PaymentAttempt.objects.select_related("intent__payment_method").get(pk=attempt_pk)
    intent = attempt.intent
    result = authorize_call(
        attempt=attempt, intent=intent, vault_token=intent.payment_method.vault_token, authentication=authentication
    )
    if result is None:
        routing.breaker_record_failure(attempt.connector)
        logger.warning("payment_outcome_unknown", payment_intent=intent.public_id, attempt=attempt.idempotency_key)
        return PaymentIntent.objects.get(pk=intent.pk)
    if result.technical_failure:
        routing.breaker_record_failure(attempt.connector)
    else:
        routing.breaker_record_success(attempt.connector)
    return payment_attempt_finish(attempt_pk=attempt.pk, intent_pk=intent.pk, result=result, request_id=request_id)
