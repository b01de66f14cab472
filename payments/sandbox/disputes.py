"""The simulated processor's disputes: which test cards are disputed, and the notifications it sends.

A real processor learns of a chargeback from the card network and tells the merchant's platform
with a signed HTTP notification. The simulator does the same: at the capture of a dispute test
card it writes a `dispute.created` notification due PROCESSOR_NOTIFICATION_DELAY_SECONDS later;
when the platform submits evidence containing a test phrase it writes its ruling
(`dispute.closed`, won or lost) due as soon. `payments.sandbox.notifications.processor_notifications_send`
sends what is due, over HTTP, to the platform's `/v1/connectors/<name>/notifications`.
"""

import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from payments.connectors.base import DISPUTE_CLOSED, DISPUTE_CREATED
from payments.models import SimulatorNotification

# behaviour -> (reason, status the dispute opens in)
DISPUTE_BEHAVIOURS = {
    "dispute_fraudulent": ("fraudulent", "needs_response"),
    "dispute_product_not_received": ("product_not_received", "needs_response"),
    "dispute_inquiry": ("general", "warning_needs_response"),
}
DISPUTE_TEST_CARDS = {
    "4000000000000259": "dispute_fraudulent",
    "4000000000002685": "dispute_product_not_received",
    "4000000000001976": "dispute_inquiry",
}
WINNING_EVIDENCE = "winning_evidence"
LOSING_EVIDENCE = "losing_evidence"


def _due() -> timezone.datetime:
    return timezone.now() + timedelta(seconds=settings.PROCESSOR_NOTIFICATION_DELAY_SECONDS)


def _notification(*, connector: str, type: str, dedupe_key: str, charge_reference: str, data: dict, due_at) -> None:
    """Write one outgoing notification, at most once per `dedupe_key` (a repeated call is a no-op)."""
    notification_id = "ntf_" + secrets.token_hex(12)
    payload = {"id": notification_id, "type": type, "created": int(time.time()), "data": data}
    try:
        with transaction.atomic():
            SimulatorNotification.objects.create(
                connector=connector,
                notification_id=notification_id,
                dedupe_key=dedupe_key,
                type=type,
                charge_reference=charge_reference,
                payload=payload,
                due_at=due_at,
            )
    except IntegrityError:  # already written for this cause
        pass


def dispute_schedule(
    *, connector: str, behaviour: str, charge_reference: str, amount: int, currency: str, captured: bool
):
    """A charge of a dispute test card was authorized: write its `dispute.created`, due soon when
    the charge is captured, armed (no due time) until `dispute_arm_on_capture` otherwise."""
    if behaviour not in DISPUTE_BEHAVIOURS:
        return
    reason, status = DISPUTE_BEHAVIOURS[behaviour]
    _notification(
        connector=connector,
        type=DISPUTE_CREATED,
        dedupe_key=f"{connector}:{charge_reference}:{DISPUTE_CREATED}",
        charge_reference=charge_reference,
        data={
            "dispute": f"{connector}_dp_{secrets.token_hex(10)}",
            "charge": charge_reference,
            "amount": amount,
            "currency": currency,
            "reason": reason,
            "status": status,
            "evidence_due_by": int(time.time()) + settings.DISPUTE_EVIDENCE_DAYS * 86400,
        },
        due_at=_due() if captured else None,
    )


def dispute_arm_on_capture(*, connector: str, charge_reference: str, amount: int) -> None:
    """A charge was captured (manual capture): its armed dispute, if any, becomes due, for the captured amount."""
    with transaction.atomic():
        armed = (
            SimulatorNotification.objects.select_for_update()
            .filter(dedupe_key=f"{connector}:{charge_reference}:{DISPUTE_CREATED}", due_at__isnull=True)
            .first()
        )
        if armed is None:
            return
        armed.payload["data"]["amount"] = amount
        armed.due_at = _due()
        armed.save(update_fields=["payload", "due_at"])


def dispute_evidence_received(*, connector: str, dispute_reference: str, evidence: dict) -> None:
    """The platform submitted evidence. A test phrase in `uncategorized_text` makes the processor
    rule soon: `winning_evidence` won (an inquiry: warning_closed), `losing_evidence` lost (an
    inquiry: warning_closed, it is not escalated). Anything else: no ruling (it stays under review)."""
    text = str(evidence.get("uncategorized_text") or "")
    if WINNING_EVIDENCE in text:
        won = True
    elif LOSING_EVIDENCE in text:
        won = False
    else:
        return
    created = SimulatorNotification.objects.filter(
        connector=connector, type=DISPUTE_CREATED, payload__data__dispute=dispute_reference
    ).first()
    if created is None:
        return
    inquiry = created.payload["data"]["status"].startswith("warning_")
    status = "warning_closed" if inquiry else ("won" if won else "lost")
    _notification(
        connector=connector,
        type=DISPUTE_CLOSED,
        dedupe_key=f"{connector}:{dispute_reference}:{DISPUTE_CLOSED}",
        charge_reference=created.charge_reference,
        data={"dispute": dispute_reference, "charge": created.charge_reference, "status": status},
        due_at=_due(),
    )
