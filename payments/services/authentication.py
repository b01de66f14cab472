"""3-D Secure: the intent waits in `requires_action` while the cardholder answers the hosted page.

The flow (docs/payments.md, "3-D Secure"):

1. Confirm sends the attempt to the processor, which answers `requires_action` for a card that
   needs authentication. `authentication_require` (`authentication_sessions`, inside
   `payment_attempt_finish`'s transaction, under the intent's lock) opens a `ThreeDSecureSession` (page
   valid 10 minutes), sets the intent `requires_action` and records
   `payment_intent.requires_action`. No money moves.
2. The cardholder opens `next_action.redirect_to_url.url` (`payments.sandbox.three_d_secure_page`)
   and posts `result=complete` or `result=fail`.
3. `authentication_complete`: under the intent's lock, then the session's, the session is used up
   and the intent becomes `processing` with a new attempt, all in one transaction, so of two tabs
   posting the same page exactly one gets past it (the other: 410). Then that attempt goes to the
   same processor carrying the session (`attempts.payment_attempt_authorize_authenticated`) and is
   finished as any confirm: authorization, capture when automatic, postings, review, events.
4. `authentication_fail`, or the page expiring (`authentication_expire`, run by the page itself and
   by `expire_payment_intents`), puts the intent back to `requires_payment_method` with
   `last_payment_error.code = "payment_intent_authentication_failure"` and
   `payment_intent.payment_failed`.

Locks: intent first, then session, everywhere (as intent, then attempt, in `payment_attempt_finish`).
"""

from dataclasses import dataclass
from datetime import datetime

import structlog
from django.db import transaction
from django.utils import timezone

from payments import three_d_secure
from payments.models import PaymentIntent, ThreeDSecureSession
from payments.services.attempts import payment_attempt_authorize_authenticated, payment_attempt_create_authenticated
from payments.services.intent_state import intent_event_record, intent_locked

logger = structlog.get_logger(__name__)

Status = PaymentIntent.Status
Session = ThreeDSecureSession

AUTHENTICATION_FAILURE = "payment_intent_authentication_failure"
AUTHENTICATION_FAILURE_MESSAGE = (
    "The provided payment method has failed authentication. Provide a new payment method or confirm again."
)


class PageMissing(Exception):
    """No session for this address, or the token does not match it (404)."""


class PageGone(Exception):
    """The page was used, has expired, or its payment left requires_action (410)."""

    def __init__(self, session: ThreeDSecureSession):
        super().__init__(session.status)
        self.session = session


@dataclass(frozen=True)
class PageOutcome:
    """What the page does next: send the cardholder to `return_url` (with `payment_intent`), or show `intent`."""

    intent: PaymentIntent
    return_url: str | None


def _save(model, *fields: str) -> None:
    model.updated = timezone.now()
    model.save(update_fields=[*fields, "updated"])


# --- 1. The processor asks for authentication: `authentication_sessions.authentication_require` ---


# --- 2. The page --------------------------------------------------------------------------


def authentication_page_get(*, session_id: str, token: str, now: datetime | None = None) -> Session:
    """The open session behind a page address. Raises `PageMissing` (unknown id or a token that does
    not match: 404) or `PageGone` (used, failed, expired or its intent moved on: 410). A page found
    past its 10 minutes is expired here, with its intent (`authentication_expire`)."""
    session = _session_for(session_id=session_id, token=token)
    if session.status == Session.Status.OPEN and session.expires_at <= (now or timezone.now()):
        session = _expire(session_pk=session.pk, now=now)
    if session.status != Session.Status.OPEN or session.intent.status != Status.REQUIRES_ACTION:
        raise PageGone(session)
    return session


def _session_for(*, session_id: str, token: str) -> Session:
    session = Session.objects.select_related("intent").filter(public_id=session_id).first()
    if session is None or not token or not three_d_secure.token_matches(token, session.token_hash):
        raise PageMissing(session_id)
    return session


# --- 3. Completed -------------------------------------------------------------------------


def authentication_complete(
    *, session_id: str, token: str, request_id: str = "", now: datetime | None = None
) -> PageOutcome:
    """The cardholder authenticated: use the page up and continue the payment as a confirm would.

    In one transaction, under the intent's lock and then the session's: the session must still be
    open and unexpired and the intent `requires_action` (else `PageGone`, nothing changes), then the
    session is `completed`, the intent `processing` and its next attempt `pending`, committed before
    the processor is called (crash safety as in confirm). Then the processor authorizes with the
    session and `payment_attempt_finish` records the outcome: capture entry and `payment_intent.succeeded`,
    `requires_capture`, or a decline (`requires_payment_method`, `payment_intent.payment_failed`).
    """
    session = authentication_page_get(session_id=session_id, token=token, now=now)  # 404, or 410 (expiring it)
    with transaction.atomic():
        intent = intent_locked(pk=session.intent_id)
        session = Session.objects.select_for_update().get(pk=session.pk)
        _open_or_gone(session, intent=intent, now=now)
        attempt = payment_attempt_create_authenticated(intent=intent, connector=session.attempt.connector)
        session.status = Session.Status.COMPLETED
        session.authenticated_attempt = attempt
        _save(session, "status", "authenticated_attempt")
        intent.status = Status.PROCESSING
        _save(intent, "status")
    logger.info("three_d_secure_completed", payment_intent=intent.public_id, session=session.public_id)
    intent = payment_attempt_authorize_authenticated(
        attempt_pk=attempt.pk, authentication=session.public_id, request_id=request_id
    )
    return PageOutcome(intent=intent, return_url=session.return_url)


# --- 4. Failed or expired -------------------------------------------------------------------


def authentication_fail(
    *, session_id: str, token: str, request_id: str = "", now: datetime | None = None
) -> PageOutcome:
    """The cardholder failed (or refused) authentication: the session is `failed` and the intent
    back to `requires_payment_method` with `payment_intent_authentication_failure`, in one
    transaction under the same locks as `authentication_complete` (`PageGone` if it is not open)."""
    session = authentication_page_get(session_id=session_id, token=token, now=now)  # 404, or 410 (expiring it)
    with transaction.atomic():
        intent = intent_locked(pk=session.intent_id)
        session = Session.objects.select_for_update().get(pk=session.pk)
        _open_or_gone(session, intent=intent, now=now)
        _close_failed(session, intent=intent, status=Session.Status.FAILED, request_id=request_id)
    logger.info("three_d_secure_failed", payment_intent=intent.public_id, session=session.public_id)
    return PageOutcome(intent=intent, return_url=session.return_url)


def authentication_expire(*, now: datetime | None = None) -> int:
    """Expire every open page past its 10 minutes (its intent fails as `authentication_fail` does).
    Returns how many were expired. Safe to run concurrently with the page and with itself."""
    now = now or timezone.now()
    pks = list(
        Session.objects.filter(status=Session.Status.OPEN, expires_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    expired = 0
    for pk in pks:
        if _expire(session_pk=pk, now=now).status == Session.Status.EXPIRED:
            expired += 1
    return expired


def _expire(*, session_pk: int, now: datetime | None) -> Session:
    """Expire one session if it is still open and past its time; returns it as it now is."""
    now = now or timezone.now()
    intent_pk = Session.objects.filter(pk=session_pk).values_list("intent_id", flat=True).get()
    with transaction.atomic():
        intent = intent_locked(pk=intent_pk)
        session = Session.objects.select_for_update().select_related("intent").get(pk=session_pk)
        if session.status != Session.Status.OPEN or session.expires_at > now:
            return session
        if intent.status == Status.REQUIRES_ACTION:
            _close_failed(session, intent=intent, status=Session.Status.EXPIRED, request_id="")
        else:  # the intent moved on (canceled): the page only closes
            session.status = Session.Status.CANCELED
            _save(session, "status")
    logger.info("three_d_secure_expired", payment_intent=intent.public_id, session=session.public_id)
    session.intent = intent
    return session


# --- Helpers --------------------------------------------------------------------------------


def _open_or_gone(session: Session, *, intent: PaymentIntent, now: datetime | None) -> None:
    """Under both locks: the page can still be answered, else `PageGone` (nothing changes: a page
    that expired in the last instant is closed by its next visit or by `authentication_expire`)."""
    session.intent = intent
    if session.status != Session.Status.OPEN or intent.status != Status.REQUIRES_ACTION:
        raise PageGone(session)
    if session.expires_at <= (now or timezone.now()):
        raise PageGone(session)


def _close_failed(session: Session, *, intent: PaymentIntent, status: str, request_id: str) -> None:
    session.status = status
    _save(session, "status")
    intent.status = Status.REQUIRES_PAYMENT_METHOD
    intent.last_payment_error = {
        "type": "invalid_request_error",
        "code": AUTHENTICATION_FAILURE,
        "decline_code": None,
        "message": AUTHENTICATION_FAILURE_MESSAGE,
    }
    _save(intent, "status", "last_payment_error")
    intent_event_record(intent=intent, event_type="payment_intent.payment_failed", request_id=request_id, counted=False)
