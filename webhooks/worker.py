"""The delivery worker: claim due deliveries, send one attempt of each, record them, schedule the next.

Claiming: a worker thread claims a batch of up to `DELIVERY_BATCH_SIZE` due deliveries, oldest
due first, in one transaction that selects them with `SELECT … FOR UPDATE SKIP LOCKED` and
keeps their row locks while it sends them one after another in that order, then records every
attempt (one INSERT of the attempts, one UPDATE of the deliveries) and commits. So:

- Workers (threads or processes, on any hosts) never send the same attempt twice: a
  locked delivery is invisible to the others until its attempt is committed, and the
  committed attempt moves `next_attempt_at` into the future (or ends the delivery).
  A unique (delivery, attempt_number) constraint backs this up in the database.
- A worker killed mid-batch loses nothing: its transaction rolls back, the locks are
  released, and the deliveries are still pending and due, so their attempts are made again
  (a receiver may then see an attempt twice; webhooks are at-least-once).
- A slow receiver holds up the rest of its batch for at most one attempt: once a batch has
  spent `BATCH_SECONDS`, the worker sends nothing more of it, and the unsent deliveries are
  released unchanged at the commit, due for the next claim.

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

from payments_platform.db import prepared_cursor
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
# A batch of deliveries costs one claim, one INSERT and one UPDATE instead of that many per delivery.
DELIVERY_BATCH_SIZE = 10
# Past this, a batch sends nothing more: a slow receiver delays the rest of its batch by one attempt at most.
BATCH_SECONDS = 1.0
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


def _claim_due_deliveries(limit: int) -> list[WebhookDelivery]:
    """Lock up to `limit` due deliveries, oldest due first; deliveries of one endpoint share its object,
    so what one attempt learns of the endpoint (failing, disabled) holds for the next in the batch."""
    deliveries = list(
        WebhookDelivery.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("event", "endpoint")
        .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")[:limit]
    )
    endpoints: dict[int, WebhookEndpoint] = {}
    for delivery in deliveries:
        delivery.endpoint = endpoints.setdefault(delivery.endpoint_id, delivery.endpoint)
    return deliveries


def _record(delivery: WebhookDelivery, result: AttemptResult) -> WebhookAttempt:
    """Apply `result` to the delivery (and its endpoint), returning the attempt row to insert.

    Endpoint changes are written at once; the delivery and the attempt are left to the caller's bulk
    writes, in the same transaction.
    """
    now = timezone.now()
    endpoint = delivery.endpoint
    attempt_number = delivery.attempt_count + 1
    attempt = WebhookAttempt(
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
            endpoint.failing_since = None
    elif result.status_code == 410:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
        endpoint_disable(endpoint=endpoint, reason="the endpoint answered 410 Gone")
    else:
        failing_since = endpoint.failing_since or now
        if endpoint.failing_since is None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
            endpoint.failing_since = now
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
    return attempt


# The batch's attempts and its deliveries' new states in one round trip, as a prepared statement.
_ATTEMPTS_SAVE_SQL = f"""
WITH attempt AS (
    INSERT INTO {WebhookAttempt._meta.db_table}
        (delivery_id, attempt_number, status_code, latency_ms, response_body, error, succeeded, created)
    SELECT * FROM unnest(%s::bigint[], %s::integer[], %s::smallint[], %s::integer[], %s::text[], %s::text[],
                         %s::boolean[], %s::timestamptz[])
)
UPDATE {WebhookDelivery._meta.db_table} AS delivery
   SET status = new.status, attempt_count = new.attempt_count, last_attempt_at = new.last_attempt_at,
       next_attempt_at = new.next_attempt_at
  FROM unnest(%s::bigint[], %s::text[], %s::integer[], %s::timestamptz[], %s::timestamptz[])
       AS new (id, status, attempt_count, last_attempt_at, next_attempt_at)
 WHERE delivery.id = new.id
"""  # noqa: S608 - table names are constants; every value is a parameter


def _attempts_save(attempts: list[WebhookAttempt], deliveries: list[WebhookDelivery]) -> None:
    """Insert `attempts` and write each delivery's status, attempt count and times: one statement."""
    with prepared_cursor() as cursor:
        cursor.execute(
            _ATTEMPTS_SAVE_SQL,
            [
                [attempt.delivery_id for attempt in attempts],
                [attempt.attempt_number for attempt in attempts],
                [attempt.status_code for attempt in attempts],
                [attempt.latency_ms for attempt in attempts],
                [attempt.response_body for attempt in attempts],
                [attempt.error for attempt in attempts],
                [attempt.succeeded for attempt in attempts],
                [attempt.created for attempt in attempts],
                [delivery.pk for delivery in deliveries],
                [delivery.status for delivery in deliveries],
                [delivery.attempt_count for delivery in deliveries],
                [delivery.last_attempt_at for delivery in deliveries],
                [delivery.next_attempt_at for delivery in deliveries],
            ],
        )


def delivery_attempts_next(*, sender: Sender, limit: int = DELIVERY_BATCH_SIZE) -> int:
    """Claim up to `limit` due deliveries, send one attempt of each (oldest due first), record them;
    return how many were handled, sent or canceled (0 when nothing was due).

    Every claimed delivery's row lock is held from the claim to the commit of the recorded attempts.
    A delivery whose endpoint is disabled is canceled, not sent. Once the batch has spent
    `BATCH_SECONDS`, the rest of it is left unsent and unchanged (due again at once).
    """
    started = time.monotonic()
    sent: list[tuple[WebhookDelivery, AttemptResult]] = []
    with transaction.atomic():
        deliveries = _claim_due_deliveries(limit)
        if not deliveries:
            return 0
        handled, attempts = [], []
        signing_secrets: dict[int, list[str]] = {}
        for delivery in deliveries:
            if handled and time.monotonic() - started >= BATCH_SECONDS:
                break
            handled.append(delivery)
            endpoint = delivery.endpoint
            if endpoint.status != WebhookEndpoint.Status.ENABLED:
                delivery.status = WebhookDelivery.Status.CANCELED
                delivery.next_attempt_at = None
                metrics.webhook_delivery_counted(result=_DELIVERY_RESULTS[delivery.status])
                continue
            if endpoint.pk not in signing_secrets:
                signing_secrets[endpoint.pk] = endpoint_signing_secrets(endpoint)
            body = event_body(delivery.event)
            msg_id = delivery.event.public_id
            headers = signed_headers(msg_id=msg_id, body=body, secrets=signing_secrets[endpoint.pk])
            with tracing.span("webhook.send", **{"webhook.endpoint": endpoint.public_id, "webhook.event": msg_id}):
                result = sender.send(url=endpoint.url, body=body, headers=headers)
            attempts.append(_record(delivery, result))
            sent.append((delivery, result))
            metrics.webhook_delivery_counted(result=_DELIVERY_RESULTS[delivery.status])
        _attempts_save(attempts, handled)
    for delivery, result in sent:
        logger.info(
            "webhook_attempt",
            delivery=delivery.public_id,
            event_id=delivery.event.public_id,
            webhook_endpoint=delivery.endpoint.public_id,
            attempt=delivery.attempt_count,
            status_code=result.status_code,
            latency_ms=result.latency_ms,
            error=result.error or None,
            outcome=delivery.status,
        )
    return len(handled)


def delivery_attempt_next(*, sender: Sender) -> bool:
    """Claim one due delivery, send one attempt, record it; False when nothing was due."""
    return delivery_attempts_next(sender=sender, limit=1) > 0


def run_workers(
    *,
    concurrency: int = 4,
    once: bool = False,
    poll_interval: float = 1.0,
    stop: threading.Event | None = None,
    on_attempt=None,
    batch_size: int = DELIVERY_BATCH_SIZE,
) -> int:
    """Run `concurrency` delivery threads sharing one Sender; return how many attempts they made.

    Each thread claims and sends up to `batch_size` deliveries per transaction (`delivery_attempts_next`).
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
                    attempted = delivery_attempts_next(sender=sender, limit=batch_size)
                except Exception:
                    logger.exception("webhook_worker_error")
                    close_old_connections()
                    attempted = 0
                    if once:
                        break
                if attempted:
                    counts[index] += attempted
                    if on_attempt is not None:
                        for _ in range(attempted):
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
