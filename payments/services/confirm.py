"""Confirming a payment intent: fraud screening, routing, fail-over, and each attempt's outcome.

One path per confirm: the intent is read once before its lock and once under it; the payment
method is resolved once and the payment assessed once, before the lock (fraud screening never
waits on the intent's row). The locked intent is then passed along to the connector call and to
`payment_attempt_finish`.

Crash safety (docs/payments.md, "Crash safety"): the connector is never called while a
transaction of ours holds a change that a rollback would lose. Confirm commits the intent as
`processing` with its attempt `pending` *before* calling the connector, and records the answer in
a second transaction. A crash in between leaves a pending attempt that `sync_payment_attempts`
resolves by asking the connector (`retrieve(idempotency_key)`, the attempt's key from
`connector_idempotency_key`). A keyed request (Idempotency-Key) runs the same way: the views that
call a connector use the phased idempotency mode (`payments.rest.views.ConnectorCallingViewSet`), which
commits the key as in progress first and stores the response when the view returns; a retry that
takes over the key of a crashed request finds the intent in the state the crash left, and its
state machine refuses what was already done.

Fraud screening (docs/payments.md, "Fraud screening"): the `outcome` and the feature-log row are
stored in the transaction that marks the intent `processing`, and the attempt is counted in the
velocity windows after the decision. `blocked`: no connector call, the intent goes back to
requires_payment_method with decline_code `fraudulent` and a 402 is raised. `manual_review`: when
the authorization succeeds the review is opened in the transaction that records it, and the
capture (now or later) credits the wallet's pending account (`held_for_review`) until a review
handler (`payments.services.reviews`) releases or refunds it.
"""

from dataclasses import dataclass, field
from datetime import datetime

import structlog
from django.db import transaction

from fraud.api import Assessment, CardBlockedAsFraudulent, RiskContext, assess, assessment_record, velocity_record
from payments import routing
from payments.connectors.base import ConnectorResult
from payments.errors import NoConnectorAvailable, PaymentIntentUnexpectedState
from payments.models import PaymentAttempt, PaymentIntent, PaymentMethod
from payments.services.attempts import payment_attempt_create, payment_attempt_finish, payment_attempt_record
from payments.services.connector_calls import authorize_call
from payments.services.intent_state import (
    CONFIRMABLE,
    intent_event_record,
    intent_locked,
    intent_owned,
    intent_raise_if_failed,
    intent_save,
    payment_method_owned,
)
from payments_platform.api.errors import InvalidRequest

logger = structlog.get_logger(__name__)

Status = PaymentIntent.Status

FRAUD_DECLINE_MESSAGE = "Your card was declined."


@dataclass(frozen=True)
class Screening:
    """The fraud assessment of one confirm, for the payment method it was made with."""

    context: RiskContext
    assessment: Assessment


@dataclass
class ConfirmPlan:
    """What the locked part of a confirm decided: the intent as committed, its first attempt, and
    the connectors left for fail-over."""

    intent: PaymentIntent
    attempt: PaymentAttempt | None  # None: blocked by fraud screening, nothing to send
    screening: Screening
    connectors: list[str] = field(default_factory=list)  # the remaining ones, in order, for failover
    vault_token: str = ""


def _screen(*, intent: PaymentIntent, method: PaymentMethod, ip: str | None, occurred_at) -> Screening:
    """Assess a payment with `method` (no writes: the lists query, one Redis round trip)."""
    user = intent.user
    context = RiskContext(
        operation="payment",
        user_id=user.pk,
        account_created=user.created,
        email=user.email,
        amount=intent.amount,
        currency=intent.currency,
        ip=ip,
        card_fingerprint=method.fingerprint,
        card_brand=method.brand,
        card_country=method.country or None,
        card_bin=method.iin,
        card_last4=method.last4,
        occurred_at=occurred_at,
    )
    return Screening(context=context, assessment=assess(context=context))


def payment_intent_confirm(
    *,
    user,
    public_id: str,
    payment_method: str | None = None,
    request_id: str = "",
    ip: str | None = None,
    occurred_at: datetime | None = None,
    return_url: str | None = None,
) -> PaymentIntent:
    """Confirm an intent: screen it for fraud, then route it to the eligible connectors in order,
    failing over on technical errors, never on a decline; every attempt is stored. Ends `succeeded`
    (capture posted, with `payment_intent.succeeded`), `requires_capture` (manual capture), or back
    at `requires_payment_method` with `last_payment_error` and `payment_intent.payment_failed`, in
    which case `CardDeclined` (402, with decline_code) is raised after that state is committed.

    Fraud screening (client `ip`; `occurred_at` is for the traffic simulator only): the intent's
    `outcome` is stored with its feature-log row. `blocked` raises `CardBlockedAsFraudulent` (402,
    decline_code `fraudulent`) after the failure is committed, with no connector call and no
    ledger entry. `manual_review` opens a review when the authorization succeeds and holds the
    captured money in the wallet's pending balance. The attempt is counted in the velocity windows
    after the decision (declined when blocked or declined by the issuer).

    3-D Secure: a card the processor will not authorize before the cardholder authenticates ends
    `requires_action` with a hosted page (`payments.services.authentication`); `return_url` is
    where that page sends the cardholder back to. No money moves until the page is completed.

    Raises before any change: 404 for an intent or payment method that is not the user's; 400
    `payment_intent_unexpected_state` unless the intent requires_payment_method or
    requires_confirmation; 400 parameter_missing without a payment method; 503
    `connector_unavailable` when no connector is eligible (or all circuits are open).
    """
    intent = intent_owned(user=user, public_id=public_id)
    method = payment_method_owned(user=user, public_id=payment_method) if payment_method else intent.payment_method
    return payment_intent_confirm_loaded(
        intent=intent, method=method, request_id=request_id, ip=ip, occurred_at=occurred_at, return_url=return_url
    )


def payment_intent_confirm_loaded(
    *,
    intent: PaymentIntent,
    method: PaymentMethod | None,
    request_id: str = "",
    ip: str | None = None,
    occurred_at: datetime | None = None,
    return_url: str | None = None,
) -> PaymentIntent:
    """`payment_intent_confirm` of an intent the caller has already read (unlocked, its owner's),
    with the payment method it resolved (None: the confirm answers 400 parameter_missing)."""
    screening = _screen(intent=intent, method=method, ip=ip, occurred_at=occurred_at) if method else None
    plan = payment_intent_confirm_begin(
        intent=intent,
        method=method,
        screening=screening,
        ip=ip,
        occurred_at=occurred_at,
        request_id=request_id,
        return_url=return_url,
    )
    if plan.attempt is None:  # blocked: the failure is committed before the 402
        velocity_record(context=plan.screening.context, declined=True)
        raise CardBlockedAsFraudulent(
            FRAUD_DECLINE_MESSAGE,
            extra={"payment_intent": {"id": intent.public_id, "status": Status.REQUIRES_PAYMENT_METHOD.value}},
        )
    return _confirm_run(plan, request_id=request_id)


def payment_intent_confirm_begin(
    *,
    intent: PaymentIntent,
    method: PaymentMethod | None,
    screening: Screening | None = None,
    ip: str | None = None,
    occurred_at=None,
    request_id: str = "",
    return_url: str | None = None,
) -> ConfirmPlan:
    """Under the intent's lock: check the state, pick the connectors, store the fraud outcome and the
    feature-log row; blocked: fail the intent (no attempt); else mark it `processing` and write the
    first attempt `pending`. Committed before any connector call.
    Without `screening` the payment is assessed here, under the lock."""
    with transaction.atomic():
        intent = intent_locked(pk=intent.pk)
        if intent.status not in CONFIRMABLE:
            raise PaymentIntentUnexpectedState(
                f"This payment intent's status is {intent.status}; it cannot be confirmed.", param="id"
            )
        if method is None:
            raise InvalidRequest(
                "A payment method is required to confirm.", param="payment_method", code="parameter_missing"
            )
        eligible = routing.route(currency=intent.currency, amount=intent.amount, brand=method.brand)
        connectors = [name for name in eligible if not routing.breaker_is_open(name)]
        if not connectors:
            raise NoConnectorAvailable(param="payment_method")
        screening = screening or _screen(intent=intent, method=method, ip=ip, occurred_at=occurred_at)
        assessment = screening.assessment
        intent.payment_method = method
        intent.outcome = assessment.as_outcome()
        assessment_record(
            context=screening.context, assessment=assessment, object_type="payment_intent", object_id=intent.public_id
        )
        if assessment.blocked:
            _block(intent, assessment=assessment, request_id=request_id)
            return ConfirmPlan(intent=intent, attempt=None, screening=screening)
        intent.status = Status.PROCESSING
        intent.last_payment_error = None
        intent.return_url = return_url
        intent_save(intent, "payment_method", "outcome", "status", "last_payment_error", "return_url")
        attempt = payment_attempt_create(intent=intent, connector=connectors[0])
    return ConfirmPlan(
        intent=intent,
        attempt=attempt,
        screening=screening,
        connectors=connectors[1:],
        vault_token=method.vault_token,
    )


def _block(intent: PaymentIntent, *, assessment: Assessment, request_id: str) -> None:
    """Fraud screening blocked the payment: fail the intent, with `payment_intent.payment_failed`."""
    intent.status = Status.REQUIRES_PAYMENT_METHOD
    intent.last_payment_error = {
        "type": "card_error",
        "code": "card_declined",
        "decline_code": "fraudulent",
        "message": FRAUD_DECLINE_MESSAGE,
    }
    intent_save(intent, "payment_method", "outcome", "status", "last_payment_error")
    intent_event_record(intent=intent, event_type="payment_intent.payment_failed", request_id=request_id)
    logger.warning(
        "payment_blocked_by_fraud_screening",
        payment_intent=intent.public_id,
        risk_score=assessment.risk_score,
        rules=assessment.rules,
    )


def _confirm_run(plan: ConfirmPlan, *, request_id: str) -> PaymentIntent:
    """Send the attempt, failing over to the next connector on a technical failure, and finish it."""
    intent, attempt, remaining = plan.intent, plan.attempt, list(plan.connectors)
    while True:
        result = authorize_call(attempt=attempt, intent=intent, vault_token=plan.vault_token)
        if result is None:  # unknown outcome: no other connector; sync_payment_attempts resolves it
            routing.breaker_record_failure(attempt.connector)
            velocity_record(context=plan.screening.context, declined=False)
            logger.warning("payment_outcome_unknown", payment_intent=intent.public_id, attempt=attempt.idempotency_key)
            return intent
        if not result.technical_failure:
            routing.breaker_record_success(attempt.connector)
            break
        routing.breaker_record_failure(attempt.connector)
        while remaining and routing.breaker_is_open(remaining[0]):
            remaining.pop(0)
        if not remaining:
            break
        next_attempt = _attempt_fail_over(attempt=attempt, result=result, connector=remaining.pop(0))
        if next_attempt is None:  # resolved meanwhile (sync_payment_attempts): read what it wrote
            velocity_record(context=plan.screening.context, declined=False)
            return PaymentIntent.objects.get(pk=intent.pk)
        logger.info(
            "payment_failover", payment_intent=intent.public_id, failed=attempt.connector, error=result.error_code
        )
        attempt = next_attempt
    intent = payment_attempt_finish(
        attempt_pk=attempt.pk,
        intent_pk=intent.pk,
        result=result,
        request_id=request_id,
        assessment=plan.screening.assessment,
    )
    velocity_record(context=plan.screening.context, declined=result.declined)
    intent_raise_if_failed(intent)
    return intent


def _attempt_fail_over(*, attempt: PaymentAttempt, result: ConnectorResult, connector: str) -> PaymentAttempt | None:
    """Record a technical failure and the next attempt (`pending`) in one transaction."""
    with transaction.atomic():
        intent = intent_locked(pk=attempt.intent_id)
        current = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
        if current.status != PaymentAttempt.Status.PENDING:
            return None
        payment_attempt_record(current, result)
        return payment_attempt_create(intent=intent, connector=connector)
