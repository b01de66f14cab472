"""Recovery after a crash between a connector call and our commit: `sync_payment_attempts`."""

from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from django.utils import timezone

from payments.connectors import connector_get
from payments.connectors.base import ERROR, ConnectorResult
from payments.models import PaymentAttempt, PaymentIntent, Refund
from payments.services.attempts import payment_attempt_finish
from payments.services.connector_calls import CAPTURE, connector_idempotency_key
from payments.services.intents import payment_intent_capture_finish
from payments.services.refunds import refund_execute

logger = structlog.get_logger(__name__)

NO_RECORD = "connector_has_no_record"
UNREACHABLE = "connector_unreachable"


def _retrieve(connector: str, idempotency_key: str) -> ConnectorResult | str | None:
    """The connector's record of the call, None when it has none, UNREACHABLE when it cannot answer."""
    try:
        return connector_get(connector).retrieve(idempotency_key)
    except Exception:  # left as it is for the next run
        logger.exception("connector_retrieve_failed", connector=connector, key=idempotency_key)
        return UNREACHABLE


@dataclass
class SyncReport:
    attempts: dict[str, int] = field(default_factory=dict)
    captures: dict[str, int] = field(default_factory=dict)
    refunds: dict[str, int] = field(default_factory=dict)


def _count(counter: dict[str, int], key: str) -> None:
    counter[key] = counter.get(key, 0) + 1


def payments_sync(*, older_than_seconds: int = 60) -> SyncReport:
    """Finish what a crash left half-done, asking each connector what it did (by idempotency key):

    - attempts still `pending`: the connector's answer finishes the intent exactly as the request
      would have (capture posted, requires_capture, or failed); an attempt the connector never
      received fails the intent (requires_payment_method, processing_error). No call is repeated,
      so nothing is charged twice.
    - captures still in flight (intent `processing` with capture_requested_amount): posted if the
      connector captured, else back to requires_capture.
    - refunds still `pending`: the refund is sent again with its own key (the connector answers a
      repeat with its first result), then recorded.

    Only rows untouched for `older_than_seconds` are considered, so requests in flight are left alone.
    A connector that cannot answer `retrieve` leaves its rows as they are for the next run (counted
    as connector_unreachable): an unknown outcome is never turned into a failure.
    """
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    report = SyncReport()
    attempts = PaymentAttempt.objects.filter(status=PaymentAttempt.Status.PENDING, updated__lt=cutoff).order_by("pk")
    for attempt in attempts.iterator():
        result = _retrieve(attempt.connector, attempt.idempotency_key)
        if result == UNREACHABLE:
            _count(report.attempts, UNREACHABLE)
            continue
        if result is None:
            result = ConnectorResult(status=ERROR, error_code=NO_RECORD)
        payment_attempt_finish(attempt_pk=attempt.pk, result=result)
        _count(report.attempts, result.status if result.error_code != NO_RECORD else NO_RECORD)

    capturing = PaymentIntent.objects.filter(
        status=PaymentIntent.Status.PROCESSING, capture_requested_amount__isnull=False, updated__lt=cutoff
    ).order_by("pk")
    for intent in capturing.iterator():
        key = connector_idempotency_key(intent_public_id=intent.public_id, operation=CAPTURE)
        result = _retrieve(intent.connector, key)
        if result == UNREACHABLE:
            _count(report.captures, UNREACHABLE)
            continue
        if result is None:
            result = ConnectorResult(status=ERROR, error_code=NO_RECORD)
        payment_intent_capture_finish(intent_pk=intent.pk, result=result)
        _count(report.captures, result.status if result.error_code != NO_RECORD else NO_RECORD)

    refunds = Refund.objects.filter(status=Refund.Status.PENDING, updated__lt=cutoff).order_by("pk")
    for refund_pk in refunds.values_list("pk", flat=True).iterator():
        refund = refund_execute(refund_pk=refund_pk)
        _count(report.refunds, refund.status)
    logger.info("payments_synced", attempts=report.attempts, captures=report.captures, refunds=report.refunds)
    return report
