"""Payment intents: create, confirm (routing, failover, attempts), capture, cancel, expire.

Crash safety (docs/payments.md, "Crash safety"): the connector is never called while a
transaction of ours holds a pending change that a rollback would lose, except in a keyed request:

- Outside a transaction (a request without Idempotency-Key, the commands), confirm commits the
  intent as `processing` with its attempt `pending` *before* calling the connector, and records
  the answer in a second transaction. A crash in between leaves a pending attempt that
  `sync_payment_attempts` resolves by asking the connector (`retrieve(idempotency_key)`).
  Capture does the same (`processing` with `capture_requested_amount`).
- In a keyed request the whole request is one transaction (the idempotency layer). A crash rolls
  everything back, key included; the client's retry with the same key reaches the same attempt
  number, hence the same connector idempotency key (f"{pi_id}:{n}"), and the connector answers
  with its first result: no second charge.

Fraud screening (docs/payments.md, "Fraud screening"): confirm assesses the payment before any
connector call (`fraud.services.assess`, outside the intent's lock), stores the `outcome` and the
feature-log row in the transaction that marks the intent `processing`, and counts the attempt in
the velocity windows after the decision. `blocked`: no connector call, the intent goes back to
requires_payment_method with decline_code `fraudulent` and a 402 is raised. `manual_review`: when
the authorization succeeds the review is opened in the transaction that records it, and the
capture (now or later) credits the wallet's pending account (`held_for_review`) until a review
handler (`payments.services.reviews`) releases or refunds it.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fraud.errors import CardBlockedAsFraudulent
from fraud.services import Assessment, RiskContext, assess, assessment_record, review_open, velocity_record
from payments import routing
from payments.connectors import connector_get
from payments.connectors.base import (
    CONNECTOR_UNAVAILABLE,
    ERROR,
    PROCESSING_ERROR,
    TIMEOUT,
    AuthorizeRequest,
    AuthorizeResponse,
    CaptureRequest,
    ConnectorResult,
    ConnectorUnreachable,
    VoidRequest,
)
from payments.errors import (
    AmountTooLarge,
    CardDeclined,
    NoConnectorAvailable,
    PaymentIntentMissing,
    PaymentIntentUnexpectedState,
    PaymentMethodMissing,
)
from payments.models import PaymentAttempt, PaymentIntent, PaymentMethod
from payments.serializers import payment_intent_representation
from payments.services.authentication import authentication_require
from payments.services.postings import capture_post
from payments_platform.api.errors import APIError, InvalidRequest
from payments_platform.observability import metrics
from wallets.errors import WalletMissing
from wallets.models import Wallet
from webhooks.services import event_record

logger = structlog.get_logger(__name__)

Status = PaymentIntent.Status


class ConnectorFailed(APIError):
    """The connector could not capture or void (502 api_error); the intent is unchanged."""

    status_code = 502
    error_type = "api_error"
    code = "connector_error"
    default_message = "The payment processor could not complete this request. Retry later."


# --- Reads used by the writes ---------------------------------------------------------


def _intent_locked(*, pk: int) -> PaymentIntent:
    return (
        PaymentIntent.objects.select_for_update(of=("self",))
        .select_related("wallet", "payment_method", "user")
        .get(pk=pk)
    )


def _owned_intent_pk(*, user, public_id: str, param: str = "id") -> int:
    pk = PaymentIntent.objects.filter(user=user, public_id=public_id).values_list("pk", flat=True).first()
    if pk is None:
        raise PaymentIntentMissing(f"No such payment intent: {public_id!r}.", param=param)
    return pk


def _owned_payment_method(*, user, public_id: str) -> PaymentMethod:
    method = PaymentMethod.objects.filter(user=user, public_id=public_id).first()
    if method is None:
        raise PaymentMethodMissing(f"No such payment method: {public_id!r}.", param="payment_method")
    return method


def _event(intent: PaymentIntent, event_type: str, request_id: str) -> None:
    event_record(
        user=intent.user,
        event_type=event_type,
        data_object=payment_intent_representation(intent),
        request_id=request_id,
    )
    metrics.payment_intent_counted(status=intent.status, connector=intent.connector)


def _save(intent: PaymentIntent, *fields: str) -> None:
    intent.updated = timezone.now()
    intent.save(update_fields=[*fields, "updated"])


# --- Create ---------------------------------------------------------------------------


def payment_intent_create(
    *,
    user,
    amount: int,
    currency: str,
    wallet: str,
    payment_method: str | None = None,
    confirm: bool = False,
    capture_method: str = PaymentIntent.CaptureMethod.AUTOMATIC,
    description: str = "",
    metadata: dict | None = None,
    request_id: str = "",
    ip: str | None = None,
    occurred_at: datetime | None = None,
    idempotency_claim: int | None = None,
    return_url: str | None = None,
) -> PaymentIntent:
    """Create an intent to collect `amount` into one of `user`'s wallets in `currency`, with its
    `payment_intent.created` event; with `confirm`, run `payment_intent_confirm` right after.

    `idempotency_claim` (the request's Idempotency-Key claim) makes a re-run of the same keyed
    request (phased idempotency: a retry taking over the key of a request that crashed) find the
    intent it created: it is confirmed if the crash came before the confirm began, else returned
    as it is (a decline raises its 402 again); never a second intent, never a second charge.

    Raises before writing: 404 for a wallet or payment method that is not the user's, 400
    `currency_mismatch` (param wallet) when the wallet holds another currency, 400 parameter_missing
    (payment_method) for `confirm` without one. A decline on confirm raises `CardDeclined` (402)
    after the intent and its failure are committed.
    """
    owned_wallet = Wallet.objects.filter(user=user, public_id=wallet).first()
    if owned_wallet is None:
        raise WalletMissing(f"No such wallet: {wallet!r}.", param="wallet")
    if owned_wallet.currency != currency:
        raise InvalidRequest(
            f"The wallet holds {owned_wallet.currency}, not {currency}.", param="wallet", code="currency_mismatch"
        )
    method = _owned_payment_method(user=user, public_id=payment_method) if payment_method else None
    if confirm and method is None:
        raise InvalidRequest("confirm=true needs a payment_method.", param="payment_method", code="parameter_missing")
    if idempotency_claim is not None:
        existing = PaymentIntent.objects.filter(user=user, idempotency_claim=idempotency_claim).first()
        if existing is not None:
            return _create_rerun(
                existing, confirm=confirm, request_id=request_id, ip=ip, occurred_at=occurred_at, return_url=return_url
            )
    with transaction.atomic():
        intent = PaymentIntent.objects.create(
            idempotency_claim=idempotency_claim,
            user=user,
            wallet=owned_wallet,
            payment_method=method,
            amount=amount,
            currency=currency,
            status=Status.REQUIRES_CONFIRMATION if method else Status.REQUIRES_PAYMENT_METHOD,
            capture_method=capture_method,
            description=description,
            metadata=metadata or {},
        )
        _event(intent, "payment_intent.created", request_id)
    logger.info("payment_intent_created", payment_intent=intent.public_id, amount=amount, currency=currency)
    if confirm:
        return payment_intent_confirm(
            user=user,
            public_id=intent.public_id,
            request_id=request_id,
            ip=ip,
            occurred_at=occurred_at,
            return_url=return_url,
        )
    return intent


def _create_rerun(
    intent: PaymentIntent, *, confirm: bool, request_id: str, ip, occurred_at, return_url: str | None = None
) -> PaymentIntent:
    """The same keyed create, run again after a crash: carry on from where the first run stopped."""
    logger.warning("payment_intent_create_rerun", payment_intent=intent.public_id, status=intent.status)
    if confirm and intent.status in CONFIRMABLE and not intent.attempts.exists() and intent.outcome is None:
        return payment_intent_confirm(
            user=intent.user,
            public_id=intent.public_id,
            request_id=request_id,
            ip=ip,
            occurred_at=occurred_at,
            return_url=return_url,
        )
    _raise_if_failed(intent)
    return intent


# --- Confirm --------------------------------------------------------------------------


CONFIRMABLE = (Status.REQUIRES_PAYMENT_METHOD, Status.REQUIRES_CONFIRMATION)
FRAUD_DECLINE_MESSAGE = "Your card was declined."


@dataclass(frozen=True)
class _Screening:
    """The fraud assessment of one confirm, for the payment method it was made with."""

    method_pk: int
    context: RiskContext
    assessment: Assessment


@dataclass
class _Plan:
    intent_pk: int
    attempt: PaymentAttempt | None  # None: blocked by fraud screening, nothing to send
    connectors: list[str] = field(default_factory=list)  # the remaining ones, in order, for failover
    vault_token: str = ""
    screening: _Screening | None = None


def _screen(*, user, intent: PaymentIntent, method: PaymentMethod, ip: str | None, occurred_at) -> _Screening:
    """Assess a payment with `method` (no writes: the lists query, one Redis round trip)."""
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
    return _Screening(method_pk=method.pk, context=context, assessment=assess(context=context))


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

    Raises before any change: 400 `payment_intent_unexpected_state` unless the intent
    requires_payment_method or requires_confirmation; 400 parameter_missing without a payment
    method; 503 `connector_unavailable` when no connector is eligible (or all circuits are open).
    """
    intent = PaymentIntent.objects.select_related("payment_method").filter(user=user, public_id=public_id).first()
    if intent is None:
        raise PaymentIntentMissing(f"No such payment intent: {public_id!r}.", param="id")
    method = _owned_payment_method(user=user, public_id=payment_method) if payment_method else intent.payment_method
    screening = None
    if method is not None and intent.status in CONFIRMABLE:  # else _confirm_begin refuses it anyway
        screening = _screen(user=user, intent=intent, method=method, ip=ip, occurred_at=occurred_at)
    plan = _confirm_begin(
        intent_pk=intent.pk,
        method=method if payment_method else None,
        screening=screening,
        ip=ip,
        occurred_at=occurred_at,
        request_id=request_id,
        return_url=return_url,
    )
    if plan.attempt is None:  # blocked: the failure is committed (or kept with the 402 in a keyed request)
        velocity_record(context=plan.screening.context, declined=True)
        raise CardBlockedAsFraudulent(
            FRAUD_DECLINE_MESSAGE,
            extra={"payment_intent": {"id": intent.public_id, "status": Status.REQUIRES_PAYMENT_METHOD.value}},
        )
    return _confirm_run(plan, request_id=request_id)


def _confirm_begin(
    *,
    intent_pk: int,
    method: PaymentMethod | None,
    screening: _Screening | None = None,
    ip: str | None = None,
    occurred_at=None,
    request_id: str = "",
    return_url: str | None = None,
) -> _Plan:
    """Under the intent's lock: check the state, pick the connectors, store the fraud outcome and the
    feature-log row; blocked: fail the intent (no attempt); else mark it `processing` and write the
    first attempt `pending`. Committed before any connector call (outside a keyed request)."""
    with transaction.atomic():
        intent = _intent_locked(pk=intent_pk)
        if intent.status not in CONFIRMABLE:
            raise PaymentIntentUnexpectedState(
                f"This payment intent's status is {intent.status}; it cannot be confirmed.", param="id"
            )
        method = method or intent.payment_method
        if method is None:
            raise InvalidRequest(
                "A payment method is required to confirm.", param="payment_method", code="parameter_missing"
            )
        eligible = routing.route(currency=intent.currency, amount=intent.amount, brand=method.brand)
        connectors = [name for name in eligible if not routing.breaker_is_open(name)]
        if not connectors:
            raise NoConnectorAvailable(param="payment_method")
        if screening is None or screening.method_pk != method.pk:  # the method changed meanwhile: rare
            screening = _screen(user=intent.user, intent=intent, method=method, ip=ip, occurred_at=occurred_at)
        assessment = screening.assessment
        intent.payment_method = method
        intent.outcome = assessment.as_outcome()
        assessment_record(
            context=screening.context, assessment=assessment, object_type="payment_intent", object_id=intent.public_id
        )
        if assessment.blocked:
            intent.status = Status.REQUIRES_PAYMENT_METHOD
            intent.last_payment_error = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "fraudulent",
                "message": FRAUD_DECLINE_MESSAGE,
            }
            _save(intent, "payment_method", "outcome", "status", "last_payment_error")
            _event(intent, "payment_intent.payment_failed", request_id)
            logger.warning(
                "payment_blocked_by_fraud_screening",
                payment_intent=intent.public_id,
                risk_score=assessment.risk_score,
                rules=assessment.rules,
            )
            return _Plan(intent_pk=intent.pk, attempt=None, screening=screening)
        intent.status = Status.PROCESSING
        intent.last_payment_error = None
        intent.return_url = return_url
        _save(intent, "payment_method", "outcome", "status", "last_payment_error", "return_url")
        attempt = _attempt_create(intent=intent, connector=connectors[0])
    return _Plan(
        intent_pk=intent.pk,
        attempt=attempt,
        connectors=connectors[1:],
        vault_token=method.vault_token,
        screening=screening,
    )


def _attempt_create(*, intent: PaymentIntent, connector: str) -> PaymentAttempt:
    last = intent.attempts.order_by("-attempt_number").values_list("attempt_number", flat=True).first() or 0
    number = last + 1
    return PaymentAttempt.objects.create(
        intent=intent,
        attempt_number=number,
        connector=connector,
        idempotency_key=f"{intent.public_id}:{number}",
    )


def _authorize(
    attempt: PaymentAttempt, *, intent: PaymentIntent, vault_token: str, authentication: str | None = None
) -> AuthorizeResponse | None:
    """The connector's answer to the attempt; None when its outcome is unknown (see `_connector_call`)."""
    request = AuthorizeRequest(
        idempotency_key=attempt.idempotency_key,
        vault_token=vault_token,
        amount=intent.amount,
        currency=intent.currency,
        capture=intent.capture_method == PaymentIntent.CaptureMethod.AUTOMATIC,
        description=intent.description,
        authentication=authentication,
    )
    return _connector_call(attempt.connector, "authorize", request, result_class=AuthorizeResponse)


def _connector_call(name: str, operation: str, request, *, result_class=ConnectorResult) -> ConnectorResult | None:
    """Call `operation` on connector `name` and tell what certainly happened.

    - The connector answered: its result (a technical `error` result, such as processing_error,
      means it did not act).
    - The request certainly never reached it (`ConnectorUnreachable`, connection refused, an
      unknown connector): an `error` result `connector_unavailable`; failing over is safe.
    - Anything else (a timeout, a reset connection, any unexpected exception) is an UNKNOWN
      outcome: the processor may have acted. The SAME connector is asked
      `retrieve(idempotency_key)`: what it did is the result; if it certainly has no record, an
      `error` result (`timeout` or `connector_error`); if it cannot answer either, None: the
      caller must leave its pending record for `sync_payment_attempts` and call no other connector.
    """
    try:
        connector = connector_get(name)
    except KeyError:  # no longer configured: nothing can have been sent
        logger.error("connector_not_configured", connector=name, operation=operation)
        return result_class(status=ERROR, error_code=CONNECTOR_UNAVAILABLE)
    try:
        return getattr(connector, operation)(request)
    except (ConnectorUnreachable, ConnectionRefusedError):
        logger.warning("connector_unreachable", connector=name, operation=operation, key=request.idempotency_key)
        return result_class(status=ERROR, error_code=CONNECTOR_UNAVAILABLE)
    except Exception as error:  # unknown outcome: ask the same connector what it did
        unknown_code = TIMEOUT if isinstance(error, TimeoutError) else "connector_error"
        logger.exception("connector_outcome_unknown", connector=name, operation=operation, key=request.idempotency_key)
    try:
        found = connector.retrieve(request.idempotency_key)
    except Exception:
        logger.exception("connector_retrieve_failed", connector=name, key=request.idempotency_key)
        return None
    if found is None:  # it never got the call: nothing was done
        return result_class(status=ERROR, error_code=unknown_code)
    logger.info("connector_outcome_retrieved", connector=name, key=request.idempotency_key, status=found.status)
    return found


def _confirm_run(plan: _Plan, *, request_id: str) -> PaymentIntent:
    attempt, remaining = plan.attempt, list(plan.connectors)
    intent = PaymentIntent.objects.get(pk=plan.intent_pk)
    while True:
        result = _authorize(attempt, intent=intent, vault_token=plan.vault_token)
        if result is None:  # unknown outcome: no other connector; sync_payment_attempts resolves it
            routing.breaker_record_failure(attempt.connector)
            velocity_record(context=plan.screening.context, declined=False)
            logger.warning("payment_outcome_unknown", payment_intent=intent.public_id, attempt=attempt.idempotency_key)
            return PaymentIntent.objects.get(pk=plan.intent_pk)
        if not result.technical_failure:
            routing.breaker_record_success(attempt.connector)
            break
        routing.breaker_record_failure(attempt.connector)
        while remaining and routing.breaker_is_open(remaining[0]):
            remaining.pop(0)
        if not remaining:
            break
        next_attempt = _attempt_fail_over(attempt=attempt, result=result, connector=remaining.pop(0))
        if next_attempt is None:  # resolved meanwhile (sync_payment_attempts)
            velocity_record(context=plan.screening.context, declined=False)
            return PaymentIntent.objects.get(pk=plan.intent_pk)
        logger.info(
            "payment_failover", payment_intent=intent.public_id, failed=attempt.connector, error=result.error_code
        )
        attempt = next_attempt
    intent = attempt_finish(
        attempt_pk=attempt.pk, result=result, request_id=request_id, assessment=plan.screening.assessment
    )
    velocity_record(context=plan.screening.context, declined=result.declined)
    _raise_if_failed(intent)
    return intent


def _attempt_fail_over(*, attempt: PaymentAttempt, result: ConnectorResult, connector: str) -> PaymentAttempt | None:
    """Record a technical failure and the next attempt (`pending`) in one transaction."""
    with transaction.atomic():
        intent = _intent_locked(pk=attempt.intent_id)
        current = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
        if current.status != PaymentAttempt.Status.PENDING:
            return None
        _attempt_record(current, result)
        return _attempt_create(intent=intent, connector=connector)


def _attempt_record(attempt: PaymentAttempt, result: ConnectorResult) -> None:
    attempt.status = {
        "succeeded": PaymentAttempt.Status.SUCCEEDED,
        "declined": PaymentAttempt.Status.DECLINED,
        "requires_action": PaymentAttempt.Status.REQUIRES_ACTION,
    }.get(result.status, PaymentAttempt.Status.ERROR)
    attempt.error_code = result.error_code
    attempt.decline_code = result.decline_code
    attempt.latency_ms = result.latency_ms
    attempt.reference = result.reference
    attempt.updated = timezone.now()
    attempt.save(update_fields=["status", "error_code", "decline_code", "latency_ms", "reference", "updated"])


def attempt_finish(
    *, attempt_pk: int, result: ConnectorResult, request_id: str = "", assessment: Assessment | None = None
) -> PaymentIntent:
    """Record the connector's final answer to an attempt and move the intent on, in one transaction:
    succeeded (automatic capture: the capture entry) / requires_capture / requires_payment_method.

    An authorization whose fraud outcome is `manual_review` opens the review (`review.opened`) in
    this transaction and marks the intent `held_for_review`, so its capture credits the wallet's
    pending account. `assessment` is the confirm's; `sync_payment_attempts` has none and rebuilds
    one from the stored outcome and the card's fingerprint.

    Idempotent: an attempt no longer `pending` (resolved by a concurrent sync) changes nothing.
    """
    with transaction.atomic():
        intent_pk = PaymentAttempt.objects.filter(pk=attempt_pk).values_list("intent_id", flat=True).get()
        intent = _intent_locked(pk=intent_pk)  # locks: the intent, then its attempt (one order everywhere)
        attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt_pk)
        if attempt.status != PaymentAttempt.Status.PENDING or intent.status != Status.PROCESSING:
            return intent
        _attempt_record(attempt, result)
        if result.requires_action:  # 3-D Secure: the intent waits for the cardholder's page
            authentication_require(intent=intent, attempt=attempt, request_id=request_id)
        elif result.succeeded:
            intent.connector = attempt.connector
            intent.connector_reference = result.reference
            if (intent.outcome or {}).get("type") == "manual_review":
                _review_open(intent, assessment=assessment, request_id=request_id)
            if getattr(result, "captured", False):
                _capture_apply(intent, amount=intent.amount, request_id=request_id)
            else:
                intent.status = Status.REQUIRES_CAPTURE
                intent.amount_capturable = intent.amount
                _save(intent, "connector", "connector_reference", "status", "amount_capturable", "held_for_review")
                _event(intent, "payment_intent.requires_capture", request_id)
        else:
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
            _save(intent, "status", "last_payment_error")
            _event(intent, "payment_intent.payment_failed", request_id)
    logger.info(
        "payment_attempt_finished",
        payment_intent=intent.public_id,
        connector=attempt.connector,
        status=attempt.status,
        decline_code=attempt.decline_code,
        error_code=attempt.error_code,
    )
    return intent


def _review_open(intent: PaymentIntent, *, assessment: Assessment | None, request_id: str) -> None:
    """Open the fraud review of an authorized intent (`review.opened` for its owner) and hold it."""
    if assessment is None:  # sync_payment_attempts: the confirm's assessment is gone; its outcome is stored
        outcome = intent.outcome
        fingerprint = intent.payment_method.fingerprint if intent.payment_method else None
        assessment = Assessment(
            outcome_type=outcome["type"],
            risk_level=outcome.get("risk_level") or "elevated",
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
        on_event=lambda event_type, data: event_record(
            user=intent.user, event_type=event_type, data_object=data, request_id=request_id
        ),
    )
    intent.held_for_review = True


def _capture_apply(intent: PaymentIntent, *, amount: int, request_id: str) -> None:
    """Post the capture of `amount` and mark the intent succeeded (the rest is released). An intent
    `held_for_review` is captured into the wallet's pending account."""
    entry, fee = capture_post(intent=intent, amount=amount, request_id=request_id, held=intent.held_for_review)
    intent.status = Status.SUCCEEDED
    intent.amount_received = amount
    intent.amount_capturable = 0
    intent.capture_requested_amount = None
    intent.fee = fee
    intent.capture_entry = entry
    intent.captured_at = entry.created
    _save(
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
    _event(intent, "payment_intent.succeeded", request_id)


def _raise_if_failed(intent: PaymentIntent) -> None:
    """After the failure is committed (or stored with a 402 in a keyed request): the 402."""
    if intent.status != Status.REQUIRES_PAYMENT_METHOD or not intent.last_payment_error:
        return
    error = intent.last_payment_error
    extra = {"payment_intent": {"id": intent.public_id, "status": intent.status}}
    if error.get("decline_code"):
        extra["decline_code"] = error["decline_code"]
    raise CardDeclined(error["message"], code=error["code"], extra=extra)


# --- Capture --------------------------------------------------------------------------


def payment_intent_capture(
    *, user, public_id: str, amount_to_capture: int | None = None, request_id: str = ""
) -> PaymentIntent:
    """Capture an authorized intent in full or in part: the connector captures, then the capture
    entry is posted and the intent is `succeeded` with amount_received = the captured amount (the
    remainder is released), with `payment_intent.succeeded`.

    Raises: 400 `payment_intent_unexpected_state` unless requires_capture (so of two concurrent
    captures one wins); 400 `amount_too_large` (param amount_to_capture) beyond amount_capturable;
    502 `connector_error` when the connector refuses (the intent is back at requires_capture).
    """
    intent_pk = _owned_intent_pk(user=user, public_id=public_id)
    with transaction.atomic():
        intent = _intent_locked(pk=intent_pk)
        if intent.status != Status.REQUIRES_CAPTURE:
            raise PaymentIntentUnexpectedState(
                f"This payment intent's status is {intent.status}; only requires_capture can be captured.", param="id"
            )
        amount = amount_to_capture or intent.amount_capturable
        if amount > intent.amount_capturable:
            raise AmountTooLarge(f"amount_to_capture is at most {intent.amount_capturable}.", param="amount_to_capture")
        intent.status = Status.PROCESSING
        intent.capture_requested_amount = amount
        _save(intent, "status", "capture_requested_amount")
    result = _capture_call(intent, amount)
    if result is None:  # unknown outcome: left processing for sync_payment_attempts
        logger.warning("capture_outcome_unknown", payment_intent=intent.public_id)
        return PaymentIntent.objects.get(pk=intent_pk)
    intent = capture_finish(intent_pk=intent_pk, result=result, request_id=request_id)
    if not result.succeeded:
        raise ConnectorFailed(f"The processor refused the capture ({result.error_code}).")
    return intent


def _capture_call(intent: PaymentIntent, amount: int) -> ConnectorResult | None:
    """The connector's answer to the capture; None when its outcome is unknown (`_connector_call`)."""
    request = CaptureRequest(
        idempotency_key=f"{intent.public_id}:capture",
        reference=intent.connector_reference,
        amount=amount,
        currency=intent.currency,
    )
    return _connector_call(intent.connector, "capture", request)


def capture_finish(*, intent_pk: int, result: ConnectorResult, request_id: str = "") -> PaymentIntent:
    """Record the connector's answer to a capture: posted and succeeded, or back to requires_capture.
    Idempotent: does nothing unless the intent is still `processing` a capture."""
    with transaction.atomic():
        intent = _intent_locked(pk=intent_pk)
        if intent.status != Status.PROCESSING or intent.capture_requested_amount is None:
            return intent
        if result.succeeded:
            _capture_apply(intent, amount=intent.capture_requested_amount, request_id=request_id)
        else:
            intent.status = Status.REQUIRES_CAPTURE
            intent.capture_requested_amount = None
            _save(intent, "status", "capture_requested_amount")
    return intent


# --- Cancel and expire ----------------------------------------------------------------


CANCELABLE = (
    Status.REQUIRES_PAYMENT_METHOD,
    Status.REQUIRES_CONFIRMATION,
    Status.REQUIRES_ACTION,
    Status.REQUIRES_CAPTURE,
)


def payment_intent_cancel(
    *, user, public_id: str, cancellation_reason: str | None = None, request_id: str = ""
) -> PaymentIntent:
    """Cancel an intent that requires_payment_method, requires_confirmation or requires_capture
    (voiding the authorization at the connector), with `payment_intent.canceled`.

    Raises 400 `payment_intent_unexpected_state` from any other status, 502 `connector_error`
    when the void is refused (nothing changes). The void runs under the intent's lock: it only
    releases money, so a rollback after it loses nothing (a retried cancel voids again with the
    same key and gets the same answer).
    """
    intent_pk = _owned_intent_pk(user=user, public_id=public_id)
    return _cancel(intent_pk=intent_pk, reason=cancellation_reason, request_id=request_id)


def _cancel(*, intent_pk: int, reason: str | None, request_id: str = "", only_uncaptured: bool = False):
    with transaction.atomic():
        intent = _intent_locked(pk=intent_pk)
        allowed = (Status.REQUIRES_CAPTURE,) if only_uncaptured else CANCELABLE
        if intent.status not in allowed:
            raise PaymentIntentUnexpectedState(
                f"This payment intent's status is {intent.status}; it cannot be canceled.", param="id"
            )
        if intent.status == Status.REQUIRES_CAPTURE:
            request = VoidRequest(idempotency_key=f"{intent.public_id}:void", reference=intent.connector_reference)
            result = _connector_call(intent.connector, "void", request)
            if result is None:  # unknown outcome: nothing changes here; a retried cancel voids with the same key
                raise ConnectorFailed("The processor did not answer the void. Retry later.")
            if not result.succeeded:
                raise ConnectorFailed(f"The processor refused to void the authorization ({result.error_code}).")
        intent.status = Status.CANCELED
        intent.amount_capturable = 0
        intent.canceled_at = timezone.now()
        intent.cancellation_reason = reason
        _save(intent, "status", "amount_capturable", "canceled_at", "cancellation_reason")
        _event(intent, "payment_intent.canceled", request_id)
    logger.info("payment_intent_canceled", payment_intent=intent.public_id, reason=reason)
    return intent


def payment_intents_expire(*, now=None) -> tuple[int, int]:
    """Cancel (void) every intent left in requires_capture for longer than the capture window
    (PAYMENT_INTENT_CAPTURE_WINDOW_DAYS, 7), reason "automatic". Returns (canceled, failed)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.PAYMENT_INTENT_CAPTURE_WINDOW_DAYS)
    canceled = failed = 0
    pks = list(
        PaymentIntent.objects.filter(status=Status.REQUIRES_CAPTURE, created__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in pks:
        try:
            _cancel(intent_pk=pk, reason="automatic", only_uncaptured=True)
            canceled += 1
        except (PaymentIntentUnexpectedState, ConnectorFailed) as error:
            logger.warning("payment_intent_expire_failed", payment_intent_pk=pk, error=error.code)
            failed += 1
    return canceled, failed


# --- After 3-D Secure (payments.services.authentication) ------------------------------


def attempt_create_authenticated(*, intent: PaymentIntent, connector: str) -> PaymentAttempt:
    """The next attempt (`pending`) of a `requires_action` intent whose cardholder just completed the
    page. The caller holds the intent's lock and sets it `processing` in the same transaction."""
    return _attempt_create(intent=intent, connector=connector)


def attempt_authorize_authenticated(*, attempt_pk: int, authentication: str, request_id: str = "") -> PaymentIntent:
    """Send a pending attempt to its connector carrying the completed 3-D Secure session and finish
    it exactly as a confirm would (`attempt_finish`: capture and postings when automatic, the fraud
    review when the stored outcome asks for one, events). No failover: the authentication belongs
    to that processor. An unknown outcome leaves the attempt pending for `sync_payment_attempts`."""
    attempt = PaymentAttempt.objects.select_related("intent__payment_method").get(pk=attempt_pk)
    intent = attempt.intent
    result = _authorize(
        attempt, intent=intent, vault_token=intent.payment_method.vault_token, authentication=authentication
    )
    if result is None:
        routing.breaker_record_failure(attempt.connector)
        logger.warning("payment_outcome_unknown", payment_intent=intent.public_id, attempt=attempt.idempotency_key)
        return PaymentIntent.objects.get(pk=intent.pk)
    if result.technical_failure:
        routing.breaker_record_failure(attempt.connector)
    else:
        routing.breaker_record_success(attempt.connector)
    return attempt_finish(attempt_pk=attempt.pk, result=result, request_id=request_id)
