"""The lifecycle of a payment intent: create, capture, cancel, expire.

Confirming one (fraud screening, routing, fail-over) is `payments.services.confirm`; what an
authorization's answer does is `payments.services.attempts`; the calls to the connectors and their
idempotency keys are `payments.services.connector_calls`.

Crash safety (docs/payments.md, "Crash safety"): a capture commits the intent as `processing`
with `capture_requested_amount` before calling the connector and records the answer in a second
transaction; a crash in between is finished by `sync_payment_attempts`, which asks the connector
with the same key. A void runs under the intent's lock: it only releases money, so a rollback
after it loses nothing.

Idempotency of create: a keyed request (Idempotency-Key) stores the key's claim on the intent it
creates (`idempotency_claim`). When a retry takes over the key of a request that crashed, the
create finds that intent instead of making a second one, and carries on from where the first run
stopped (see `payment_intent_create`).
"""

from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from payments.connectors.base import ConnectorResult
from payments.errors import AmountTooLarge, ConnectorFailed, PaymentIntentUnexpectedState
from payments.models import PaymentIntent
from payments.services.confirm import payment_intent_confirm_loaded
from payments.services.connector_calls import capture_call, void_call
from payments.services.intent_state import (
    CANCELABLE,
    CONFIRMABLE,
    intent_capture_apply,
    intent_event_record,
    intent_locked,
    intent_owned_pk,
    intent_raise_if_failed,
    intent_save,
    payment_method_owned,
)
from payments_platform.api.amounts import amount_validate
from payments_platform.api.errors import InvalidRequest
from wallets.api import Wallet, WalletMissing

logger = structlog.get_logger(__name__)

Status = PaymentIntent.Status


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

    `idempotency_claim` (the request's Idempotency-Key claim, stored on the intent) makes a retry
    that takes over the key of a crashed request find the intent that request created: it is
    confirmed if the crash came before any attempt or fraud outcome was stored, else returned as
    it is (a stored decline raises its 402 again); never a second intent, never a second charge.

    Raises before writing: 400 parameter_invalid (param amount) unless `amount` is an integer from 1
    to MAX_AMOUNT (`amount_validate`, the only check of it), 404 for a wallet or payment method that
    is not the user's, 400 `currency_mismatch` (param wallet) when the wallet holds another
    currency, 400 parameter_missing (payment_method) for `confirm` without one. A decline on
    confirm raises `CardDeclined` (402) after the intent and its failure are committed.
    """
    amount_validate(amount=amount)
    owned_wallet = Wallet.objects.filter(user=user, public_id=wallet).first()
    if owned_wallet is None:
        raise WalletMissing(f"No such wallet: {wallet!r}.", param="wallet")
    if owned_wallet.currency != currency:
        raise InvalidRequest(
            f"The wallet holds {owned_wallet.currency}, not {currency}.", param="wallet", code="currency_mismatch"
        )
    method = payment_method_owned(user=user, public_id=payment_method) if payment_method else None
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
        # Just inserted: no attempt can point at it yet, so the event's representation need not read them.
        intent_event_record(intent=intent, event_type="payment_intent.created", request_id=request_id, attempts=())
    logger.info("payment_intent_created", payment_intent=intent.public_id, amount=amount, currency=currency)
    if confirm:
        return payment_intent_confirm_loaded(
            intent=intent, method=method, request_id=request_id, ip=ip, occurred_at=occurred_at, return_url=return_url
        )
    return intent


def _create_rerun(
    intent: PaymentIntent, *, confirm: bool, request_id: str, ip, occurred_at, return_url: str | None = None
) -> PaymentIntent:
    """The same keyed create, run again after a crash: carry on from where the first run stopped."""
    logger.warning("payment_intent_create_rerun", payment_intent=intent.public_id, status=intent.status)
    if confirm and intent.status in CONFIRMABLE and not intent.attempts.exists() and intent.outcome is None:
        return payment_intent_confirm_loaded(
            intent=intent,
            method=intent.payment_method,
            request_id=request_id,
            ip=ip,
            occurred_at=occurred_at,
            return_url=return_url,
        )
    intent_raise_if_failed(intent)
    return intent


# --- Capture --------------------------------------------------------------------------


def payment_intent_capture(
    *, user, public_id: str, amount_to_capture: int | None = None, request_id: str = ""
) -> PaymentIntent:
    """Capture an authorized intent in full or in part: the connector captures, then the capture
    entry is posted and the intent is `succeeded` with amount_received = the captured amount (the
    remainder is released), with `payment_intent.succeeded`.

    Raises: 400 parameter_invalid (param amount_to_capture) unless it is omitted or an integer from 1
    to MAX_AMOUNT (`amount_validate`); 400 `payment_intent_unexpected_state` unless requires_capture
    (so of two concurrent captures one wins); 400 `amount_too_large` (param amount_to_capture) beyond amount_capturable;
    502 `connector_error` when the connector refuses (the intent is back at requires_capture).
    """
    if amount_to_capture is not None:
        amount_validate(amount=amount_to_capture, param="amount_to_capture")
    intent_pk = intent_owned_pk(user=user, public_id=public_id)
    with transaction.atomic():
        intent = intent_locked(pk=intent_pk)
        if intent.status != Status.REQUIRES_CAPTURE:
            raise PaymentIntentUnexpectedState(
                f"This payment intent's status is {intent.status}; only requires_capture can be captured.", param="id"
            )
        amount = amount_to_capture or intent.amount_capturable
        if amount > intent.amount_capturable:
            raise AmountTooLarge(f"amount_to_capture is at most {intent.amount_capturable}.", param="amount_to_capture")
        intent.status = Status.PROCESSING
        intent.capture_requested_amount = amount
        intent_save(intent, "status", "capture_requested_amount")
    result = capture_call(intent=intent, amount=amount)
    if result is None:  # unknown outcome: left processing for sync_payment_attempts
        logger.warning("capture_outcome_unknown", payment_intent=intent.public_id)
        return intent
    intent = payment_intent_capture_finish(intent_pk=intent_pk, result=result, request_id=request_id)
    if not result.succeeded:
        raise ConnectorFailed(f"The processor refused the capture ({result.error_code}).")
    return intent


def payment_intent_capture_finish(*, intent_pk: int, result: ConnectorResult, request_id: str = "") -> PaymentIntent:
    """Record the connector's answer to a capture: posted and succeeded, or back to requires_capture.
    Idempotent: does nothing unless the intent is still `processing` a capture."""
    with transaction.atomic():
        intent = intent_locked(pk=intent_pk)
        if intent.status != Status.PROCESSING or intent.capture_requested_amount is None:
            return intent
        if result.succeeded:
            intent_capture_apply(intent, amount=intent.capture_requested_amount, request_id=request_id)
        else:
            intent.status = Status.REQUIRES_CAPTURE
            intent.capture_requested_amount = None
            intent_save(intent, "status", "capture_requested_amount")
    return intent


# --- Cancel and expire ----------------------------------------------------------------


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
    intent_pk = intent_owned_pk(user=user, public_id=public_id)
    return payment_intent_cancel_by_system(intent_pk=intent_pk, reason=cancellation_reason, request_id=request_id)


def payment_intent_cancel_by_system(
    *, intent_pk: int, reason: str | None, request_id: str = "", only_uncaptured: bool = False
) -> PaymentIntent:
    """Cancel intent `intent_pk` as `payment_intent_cancel` does, for a caller that has already
    checked whose it is: the cancel itself, expiry (`only_uncaptured`: requires_capture only) and
    the fraud review's reject. Raises as `payment_intent_cancel` does, with nothing changed."""
    with transaction.atomic():
        intent = intent_locked(pk=intent_pk)
        allowed = (Status.REQUIRES_CAPTURE,) if only_uncaptured else CANCELABLE
        if intent.status not in allowed:
            raise PaymentIntentUnexpectedState(
                f"This payment intent's status is {intent.status}; it cannot be canceled.", param="id"
            )
        if intent.status == Status.REQUIRES_CAPTURE:
            result = void_call(intent=intent)
            if result is None:  # unknown outcome: nothing changes here; a retried cancel voids with the same key
                raise ConnectorFailed("The processor did not answer the void. Retry later.")
            if not result.succeeded:
                raise ConnectorFailed(f"The processor refused to void the authorization ({result.error_code}).")
        intent.status = Status.CANCELED
        intent.amount_capturable = 0
        intent.canceled_at = timezone.now()
        intent.cancellation_reason = reason
        intent_save(intent, "status", "amount_capturable", "canceled_at", "cancellation_reason")
        intent_event_record(intent=intent, event_type="payment_intent.canceled", request_id=request_id)
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
            payment_intent_cancel_by_system(intent_pk=pk, reason="automatic", only_uncaptured=True)
            canceled += 1
        except (PaymentIntentUnexpectedState, ConnectorFailed) as error:
            logger.warning("payment_intent_expire_failed", payment_intent_pk=pk, error=error.code)
            failed += 1
    return canceled, failed
