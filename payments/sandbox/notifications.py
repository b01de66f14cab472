"""The simulated processor's notifications, sent to the platform as a real processor would.

`processor_notifications_send` (run by `manage.py send_processor_notifications` and the
scheduler) claims due `SimulatorNotification` rows with SELECT … FOR UPDATE SKIP LOCKED (so any
number of processes can run it at once and no row is sent by two), leases them for
`LEASE_SECONDS`, and POSTs each one, signed per Standard Webhooks with the connector's secret
(`payments.notifications.connector_notification_secret`), to CONNECTOR_NOTIFICATION_BASE_URL +
/v1/connectors/<name>/notifications. A 2xx marks it sent; anything else is retried later with a
growing delay, `MAX_ATTEMPTS` times at most. The HTTP call happens after the claim's commit,
never inside a transaction.
"""

from datetime import datetime, timedelta

import httpx
import orjson
import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from payments.models import SimulatorNotification
from payments.notifications import connector_notification_secret

logger = structlog.get_logger(__name__)

LEASE_SECONDS = 60
SEND_TIMEOUT_SECONDS = 10.0
RETRY_DELAYS_SECONDS = (5, 30, 120, 600, 1800, 3600)
MAX_ATTEMPTS = 24  # about a day: then the notification is parked (due_at null) for an operator
USER_AGENT = "payments-platform-simulator-notifications/1.0"


def _claim(*, now: datetime, limit: int) -> list[SimulatorNotification]:
    """Lease up to `limit` due notifications (SKIP LOCKED: rows another sender holds are skipped)."""
    with transaction.atomic():
        due = list(
            SimulatorNotification.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, due_at__lte=now)
            .order_by("due_at", "pk")[:limit]
        )
        for notification in due:
            notification.due_at = now + timedelta(seconds=LEASE_SECONDS)
            notification.attempts += 1
        SimulatorNotification.objects.bulk_update(due, ["due_at", "attempts"])
    return due


def notification_url(connector: str) -> str:
    return f"{settings.CONNECTOR_NOTIFICATION_BASE_URL.rstrip('/')}/v1/connectors/{connector}/notifications"


def signed_request(notification: SimulatorNotification, *, at: datetime | None = None) -> tuple[bytes, dict[str, str]]:
    """The body and Standard Webhooks headers of `notification`, signed now (or `at`)."""
    body = orjson.dumps(notification.payload)
    at = at or timezone.now()
    signature = Webhook(connector_notification_secret(notification.connector)).sign(
        notification.notification_id, at, body.decode()
    )
    headers = {
        "webhook-id": notification.notification_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
    return body, headers


def _send_one(client: httpx.Client, notification: SimulatorNotification) -> bool:
    body, headers = signed_request(notification)
    status_code, error = None, ""
    try:
        response = client.post(notification_url(notification.connector), content=body, headers=headers)
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    now = timezone.now()
    if not error:
        SimulatorNotification.objects.filter(pk=notification.pk).update(
            sent_at=now, last_status_code=status_code, last_error=""
        )
        return True
    delay = RETRY_DELAYS_SECONDS[min(notification.attempts, len(RETRY_DELAYS_SECONDS)) - 1]
    parked = notification.attempts >= MAX_ATTEMPTS
    if parked:
        error = f"gave up after {notification.attempts} attempts: {error}"[:500]
    SimulatorNotification.objects.filter(pk=notification.pk).update(
        due_at=None if parked else now + timedelta(seconds=delay), last_status_code=status_code, last_error=error
    )
    logger.warning(
        "processor_notification_failed", notification=notification.notification_id, error=error, retry_in=delay
    )
    return False


def processor_notifications_send(*, limit: int = 100, now: datetime | None = None) -> dict[str, int]:
    """Send every due notification (at most `limit`); returns {"sent": n, "failed": m}.

    Safe to run from several processes at once: each row is leased by exactly one of them.
    """
    claimed = _claim(now=now or timezone.now(), limit=limit)
    counts = {"sent": 0, "failed": 0}
    if not claimed:
        return counts
    with httpx.Client(timeout=SEND_TIMEOUT_SECONDS, follow_redirects=False) as client:
        for notification in claimed:
            counts["sent" if _send_one(client, notification) else "failed"] += 1
    return counts
