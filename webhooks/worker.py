"""The delivery worker: claim a due delivery, send one attempt, record it, schedule the next.

Claiming: each attempt runs in its own transaction that selects one due delivery with
`SELECT … FOR UPDATE SKIP LOCKED` and keeps that row lock while the HTTP request is in
flight, then records the attempt and commits. So:

- Workers (threads or processes, on any hosts) never send the same attempt twice: a
  locked delivery is invisible to the others until the attempt is committed, and the
  committed attempt moves `next_attempt_at` into the future (or ends the delivery).
  A unique (delivery, attempt_number) constraint backs this up in the database.
- A worker killed mid-delivery loses nothing: its transaction rolls back, the lock is
  released, and the delivery is still pending and due, so the attempt is made again
  (the receiver may then see that attempt twice; webhooks are at-least-once).

Outcome of an attempt: a 2xx ends the delivery `succeeded`. A 410 ends it `failed` and
disables the endpoint at once. Anything else (other statuses, redirects, timeouts,
connection errors, refused addresses) is retried 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
14 h, 20 h and 24 h after the previous attempt (never sooner than a `Retry-After`, capped
at 24 h), then the delivery is `failed`. An endpoint whose attempts have all failed for
five days is disabled. Disabling records `webhook_endpoint.disabled`.
"""

import logging
import threading
import time
from datetime import timedelta

import structlog
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from payments_platform.observability import metrics, tracing
from webhooks import conf
from webhooks.events import event_body
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.sender import AttemptResult, Sender, signed_headers
from webhooks.services import endpoint_disable, endpoint_signing_secrets

logger = structlog.get_logger(__name__)
# httpx logs every request URL at INFO; endpoint URLs may carry tokens, and we log attempts ourselves.
logging.getLogger("httpx").setLevel(logging.WARNING)

RETRY_SCHEDULE = tuple(
    timedelta(seconds=seconds)
    for seconds in (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600)
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
MAX_RETRY_AFTER = timedelta(hours=24)
DISABLE_AFTER_FAILING_FOR = timedelta(days=5)
# The metric label of an attempt, by the delivery's status after it (payments_webhook_deliveries_total).
_DELIVERY_RESULTS = {
    WebhookDelivery.Status.SUCCEEDED: "succeeded",
    WebhookDelivery.Status.PENDING: "retrying",
    WebhookDelivery.Status.FAILED: "failed",
    WebhookDelivery.Status.CANCELED: "canceled",
}


def next_retry_delay(*, attempt_number: int, retry_after: float | None) -> timedelta | None:
    """The wait before attempt `attempt_number + 1`, or None when no attempt is left."""
    if attempt_number >= MAX_ATTEMPTS:
        return None
    delay = RETRY_SCHEDULE[attempt_number - 1]
    if retry_after is not None:
        delay = max(delay, min(timedelta(seconds=retry_after), MAX_RETRY_AFTER))
    return delay


def _claim_due_delivery() -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("event", "endpoint")
        .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .first()
    )


def _record(delivery: WebhookDelivery, result: AttemptResult) -> None:
    now = timezone.now()
    endpoint = delivery.endpoint
    attempt_number = delivery.attempt_count + 1
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempt_number=attempt_number,
        status_code=result.status_code,
        latency_ms=result.latency_ms,
        response_body=result.response_body,
        error=result.error[:500],
        succeeded=result.succeeded,
    )
    delivery.attempt_count = attempt_number
    delivery.last_attempt_at = now
    if result.succeeded:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
        delivery.next_attempt_at = None
        if endpoint.failing_since is not None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
    elif result.status_code == 410:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
        endpoint_disable(endpoint=endpoint, reason="the endpoint answered 410 Gone")
    else:
        failing_since = endpoint.failing_since or now
        if endpoint.failing_since is None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
        delay = next_retry_delay(attempt_number=attempt_number, retry_after=result.retry_after)
        if now - failing_since >= DISABLE_AFTER_FAILING_FOR:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
            endpoint_disable(endpoint=endpoint, reason="every delivery failed for five days")
        elif delay is None:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + delay
    delivery.save(update_fields=["status", "attempt_count", "last_attempt_at", "next_attempt_at"])


def delivery_attempt_next(*, sender: Sender) -> bool:
    """Claim one due delivery, send one attempt, record it; False when nothing was due.

    The delivery's row lock is held from the claim to the commit of the recorded attempt.
    """
    with transaction.atomic():
        delivery = _claim_due_delivery()
        if delivery is None:
            return False
        endpoint = delivery.endpoint
        if endpoint.status != WebhookEndpoint.Status.ENABLED:
            delivery.status = WebhookDelivery.Status.CANCELED
            delivery.next_attempt_at = None
            delivery.save(update_fields=["status", "next_attempt_at"])
            metrics.webhook_delivery_counted(result="canceled")
            return True
        body = event_body(delivery.event)
        msg_id = delivery.event.public_id
        headers = signed_headers(msg_id=msg_id, body=body, secrets=endpoint_signing_secrets(endpoint))
        with tracing.span("webhook.send", **{"webhook.endpoint": endpoint.public_id, "webhook.event": msg_id}):
            result = sender.send(url=endpoint.url, body=body, headers=headers)
        _record(delivery, result)
        metrics.webhook_delivery_counted(result=_DELIVERY_RESULTS[delivery.status])
    logger.info(
        "webhook_attempt",
        delivery=delivery.public_id,
        event_id=delivery.event.public_id,
        webhook_endpoint=endpoint.public_id,
        attempt=delivery.attempt_count,
        status_code=result.status_code,
        latency_ms=result.latency_ms,
        error=result.error or None,
        outcome=delivery.status,
    )
    return True


def run_workers(
    *,
    concurrency: int = 4,
    once: bool = False,
    poll_interval: float = 1.0,
    stop: threading.Event | None = None,
    on_attempt=None,
) -> int:
    """Run `concurrency` delivery threads sharing one Sender; return how many attempts they made.

    With `once`, each thread stops when nothing is due; otherwise they poll every
    `poll_interval` seconds until `stop` is set. Each thread closes its database connection.
    """
    stop = stop or threading.Event()
    sender = Sender(timeout_seconds=conf.timeout_seconds())
    counts = [0] * concurrency

    def loop(index: int) -> None:
        try:
            while not stop.is_set():
                try:
                    attempted = delivery_attempt_next(sender=sender)
                except Exception:
                    logger.exception("webhook_worker_error")
                    close_old_connections()
                    attempted = False
                    if once:
                        break
                if attempted:
                    counts[index] += 1
                    if on_attempt is not None:
                        on_attempt()
                elif once:
                    break
                else:
                    stop.wait(poll_interval)
        finally:
            connection.close()

    threads = [threading.Thread(target=loop, args=(i,), name=f"webhook-worker-{i}") for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sender.close()
    logger.info("webhook_workers_stopped", attempts=sum(counts), seconds=round(time.perf_counter() - started, 3))
    return sum(counts)
