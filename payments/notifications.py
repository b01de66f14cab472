"""Processor notifications as the platform receives them (the simulated processor's sending side is
`payments.sandbox.notifications`).

Receiving (`connector_notification_receive`, behind `POST /v1/connectors/{connector}/notifications`):
verifies the signature with `standardwebhooks` (a bad or missing one: 400, nothing written), then in
one transaction records the notification once per (connector, notification id) (a replay, even a
concurrent one, finds the unique constraint taken: 200, nothing happens twice) and acts on it. A
notification about a payment or dispute we do not know is recorded `unmatched` for operators.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from payments.connectors import connector_names
from payments.connectors.base import DISPUTE_CLOSED, DISPUTE_CREATED
from payments.errors import ConnectorMissing, NotificationSignatureInvalid
from payments.models import ConnectorNotification, Dispute
from payments.services.disputes import dispute_open, dispute_prepare, dispute_rule
from payments_platform.api.errors import ParameterInvalid

logger = structlog.get_logger(__name__)


def connector_notification_secret(connector: str) -> str:
    """The connector's Standard Webhooks secret (`whsec_…`): CONNECTOR_NOTIFICATION_SECRETS[connector],
    else one derived from SECRET_KEY (development and tests; set real ones in production)."""
    configured = settings.CONNECTOR_NOTIFICATION_SECRETS.get(connector)
    if configured:
        return configured
    key = hmac.new(settings.SECRET_KEY.encode(), f"connector-notifications:{connector}".encode(), hashlib.sha256)
    return "whsec_" + base64.b64encode(key.digest()).decode()


# --- Receiving -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    notification: ConnectorNotification
    replayed: bool


def _verified_payload(*, connector: str, body: bytes, headers: dict[str, str]) -> dict:
    try:
        payload = Webhook(connector_notification_secret(connector)).verify(body, headers)
    except WebhookVerificationError as error:
        raise NotificationSignatureInvalid(f"Signature check failed: {error}", param="webhook-signature") from None
    except (ValueError, TypeError):  # a body that is not JSON, a malformed header
        raise NotificationSignatureInvalid(param="webhook-signature") from None
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("type"), str)
        or not isinstance(payload.get("data"), dict)
    ):
        raise ParameterInvalid("A notification is a JSON object with `type` and `data`.", param="body")
    return payload


def _str(data: dict, key: str, limit: int = 80) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ParameterInvalid(f"`data.{key}` must be a non-empty string.", param=f"data[{key}]")
    return value


def _dispute_created_data(data: dict) -> dict:
    amount = data.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0 or amount > settings.MAX_AMOUNT:
        raise ParameterInvalid("`data.amount` must be a positive integer.", param="data[amount]")
    status = _str(data, "status")
    if status not in (Dispute.Status.NEEDS_RESPONSE, Dispute.Status.WARNING_NEEDS_RESPONSE):
        raise ParameterInvalid("A new dispute is needs_response or warning_needs_response.", param="data[status]")
    due_by = data.get("evidence_due_by")
    return {
        "dispute": _str(data, "dispute"),
        "charge": _str(data, "charge"),
        "amount": amount,
        "reason": _str(data, "reason", 40),
        "status": status,
        "evidence_due_by": datetime.fromtimestamp(due_by, tz=UTC)
        if isinstance(due_by, int) and not isinstance(due_by, bool) and 0 < due_by < 2**32
        else None,
    }


def _dispute_closed_data(data: dict) -> dict:
    status = _str(data, "status")
    if status not in (Dispute.Status.WON, Dispute.Status.LOST, Dispute.Status.WARNING_CLOSED):
        raise ParameterInvalid("A ruling is won, lost or warning_closed.", param="data[status]")
    return {"dispute": _str(data, "dispute"), "status": status}


def connector_notification_receive(
    *, connector: str, body: bytes, headers: dict[str, str], request_id: str = ""
) -> Received:
    """Verify, record once, act. Raises `ConnectorMissing` (404) for an unknown connector,
    `NotificationSignatureInvalid` (400) for a bad signature and `ParameterInvalid` (400) for a
    malformed one; nothing is written then. Returns the notification and whether it was a replay."""
    if connector not in connector_names():
        raise ConnectorMissing(f"No such connector: {connector!r}.", param="connector")
    headers = {key.lower(): value for key, value in headers.items()}
    payload = _verified_payload(connector=connector, body=body, headers=headers)
    notification_id = headers.get("webhook-id", "")[:120]
    kind = payload["type"][:60]
    parsed = None
    if kind == DISPUTE_CREATED:
        parsed = _dispute_created_data(payload["data"])
        dispute_prepare(connector=connector, charge_reference=parsed["charge"])
    elif kind == DISPUTE_CLOSED:
        parsed = _dispute_closed_data(payload["data"])
    try:
        with transaction.atomic():
            notification = ConnectorNotification.objects.create(
                connector=connector, notification_id=notification_id, type=kind, payload=payload
            )
            _act(notification=notification, parsed=parsed, request_id=request_id)
    except IntegrityError:
        existing = ConnectorNotification.objects.filter(connector=connector, notification_id=notification_id).first()
        if existing is None:
            raise
        logger.info("connector_notification_replayed", connector=connector, notification=notification_id)
        return Received(notification=existing, replayed=True)
    logger.info(
        "connector_notification_received",
        connector=connector,
        notification=notification_id,
        type=kind,
        status=notification.status,
    )
    return Received(notification=notification, replayed=False)


def _act(*, notification: ConnectorNotification, parsed: dict | None, request_id: str) -> None:
    """Apply one new notification, in its transaction; set its status (processed, unmatched, ignored)."""
    connector = notification.connector
    if notification.type == DISPUTE_CREATED:
        dispute = dispute_open(connector=connector, data=parsed, request_id=request_id)
        note = f"No payment with charge {parsed['charge']!r} on {connector}."
    elif notification.type == DISPUTE_CLOSED:
        dispute = dispute_rule(connector=connector, data=parsed, request_id=request_id)
        note = f"No dispute {parsed['dispute']!r} on {connector}."
    else:
        notification.status = ConnectorNotification.Status.IGNORED
        notification.note = "A notification type the platform does not act on."
        notification.save(update_fields=["status", "note"])
        return
    if dispute is None:
        notification.status = ConnectorNotification.Status.UNMATCHED
        notification.note = note
        logger.warning(
            "connector_notification_unmatched", connector=connector, notification=notification.notification_id
        )
    else:
        notification.dispute = dispute
    notification.save(update_fields=["status", "note", "dispute"])
