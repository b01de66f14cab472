"""The public shape of payment intents, refunds and disputes: one representation per object.

Events carry it as `data.object`, and the API's output serializers (`payments.rest.serializers`,
`payments.rest.dispute_serializers`) answer with it, so an event and a response never disagree.
Plain functions over the models: no serializer runs when a service records an event under a
row lock.
"""

from collections.abc import Sequence

from payments import three_d_secure
from payments.models import EVIDENCE_FIELDS, Dispute, PaymentAttempt, PaymentIntent, Refund, ThreeDSecureSession

# The keys of each object, in the order the API shows them (the output serializers declare the same).
PAYMENT_INTENT_FIELDS = (
    "id",
    "object",
    "amount",
    "amount_capturable",
    "amount_received",
    "amount_refunded",
    "currency",
    "wallet",
    "payment_method",
    "status",
    "capture_method",
    "description",
    "metadata",
    "last_payment_error",
    "next_action",
    "outcome",
    "attempts",
    "canceled_at",
    "cancellation_reason",
    "created",
)
PAYMENT_ATTEMPT_FIELDS = ("connector", "status", "error_code", "decline_code", "latency_ms", "created")
REFUND_FIELDS = ("id", "object", "amount", "currency", "payment_intent", "reason", "status", "created")
DISPUTE_FIELDS = (
    "id",
    "object",
    "amount",
    "currency",
    "payment_intent",
    "reason",
    "status",
    "evidence",
    "evidence_details",
    "balance_transactions",
    "created",
)


def _unix(value) -> int | None:
    return None if value is None else int(value.timestamp())


def _text(value) -> str | None:
    return None if value is None else str(value)


def payment_attempt_representation(attempt: PaymentAttempt) -> dict:
    return {
        "connector": attempt.connector,
        "status": _text(attempt.status),
        "error_code": _text(attempt.error_code),
        "decline_code": _text(attempt.decline_code),
        "latency_ms": attempt.latency_ms,
        "created": _unix(attempt.created),
    }


def _next_action(intent: PaymentIntent, *, for_event: bool) -> dict | None:
    """While `requires_action`: the 3-D Secure page to send the cardholder to. Events leave `url`
    out (null): it opens the page, and events are stored and sent to webhook endpoints; the API
    shows it to the intent's owner."""
    if intent.status != PaymentIntent.Status.REQUIRES_ACTION:
        return None
    session = intent.authentications.filter(status=ThreeDSecureSession.Status.OPEN).order_by("-pk").first()
    if session is None:
        return None
    url = None if for_event else three_d_secure.page_url(session.public_id)
    return {"type": "redirect_to_url", "redirect_to_url": {"url": url, "return_url": session.return_url}}


def payment_intent_representation(
    intent: PaymentIntent, *, for_event: bool = True, attempts: Sequence[PaymentAttempt] | None = None
) -> dict:
    """The intent as the API shows it; `for_event` (events' `data.object`) without the 3-D Secure page's url.
    `attempts`, when the caller knows them (an intent created in this transaction has none), saves reading them."""
    if attempts is None:
        attempts = intent.attempts.all()
    attempts = sorted(attempts, key=lambda attempt: attempt.attempt_number)
    return {
        "id": intent.public_id,
        "object": "payment_intent",
        "amount": intent.amount,
        "amount_capturable": intent.amount_capturable,
        "amount_received": intent.amount_received,
        "amount_refunded": intent.amount_refunded,
        "currency": _text(intent.currency),
        "wallet": intent.wallet.public_id,
        "payment_method": intent.payment_method.public_id if intent.payment_method_id else None,
        "status": _text(intent.status),
        "capture_method": _text(intent.capture_method),
        "description": _text(intent.description),
        "metadata": intent.metadata or {},
        "last_payment_error": intent.last_payment_error,
        "next_action": _next_action(intent, for_event=for_event),
        "outcome": intent.outcome,
        "attempts": [payment_attempt_representation(attempt) for attempt in attempts],
        "canceled_at": _unix(intent.canceled_at),
        "cancellation_reason": _text(intent.cancellation_reason),
        "created": _unix(intent.created),
    }


def _of_payment(row: Refund | Dispute, *, object_name: str) -> dict:
    """The keys a refund and a dispute share, in the API's order: what moved, for which payment, why."""
    return {
        "id": row.public_id,
        "object": object_name,
        "amount": row.amount,
        "currency": _text(row.currency),
        "payment_intent": row.intent.public_id,
        "reason": _text(row.reason),
        "status": _text(row.status),
    }


def refund_representation(refund: Refund) -> dict:
    return {**_of_payment(refund, object_name="refund"), "created": _unix(refund.created)}


def dispute_representation(dispute: Dispute) -> dict:
    return {
        **_of_payment(dispute, object_name="dispute"),
        "evidence": {name: dispute.evidence.get(name) for name in EVIDENCE_FIELDS},
        "evidence_details": {
            "due_by": int(dispute.evidence_due_by.timestamp()),
            "has_evidence": bool(dispute.evidence),
            "submission_count": dispute.submission_count,
        },
        "balance_transactions": [str(txn) for txn in dispute.balance_transaction_ids],
        "created": _unix(dispute.created),
    }
