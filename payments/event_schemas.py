"""The events the payments context emits and the object each carries (the event contract, webhooks.contract).

Payment intents and refunds are their API representations. The dispute object is written out
here as API.md's Disputes section shows it, with the keys of `payments.representations`; the
suite's check of every recorded event against its schema tells whether the two agree.
"""

from payments.representations import DISPUTE_FIELDS
from payments.rest.serializers import PaymentIntentOutput, RefundOutput

DISPUTE_STATUSES = [
    "warning_needs_response",
    "warning_under_review",
    "warning_closed",
    "needs_response",
    "under_review",
    "won",
    "lost",
]

DISPUTE_SCHEMA = {
    "type": "object",
    "description": "A dispute (chargeback or inquiry) the processor reported on a captured payment.",
    "required": list(DISPUTE_FIELDS),
    "properties": {
        "id": {"type": "string", "pattern": "^dp_"},
        "object": {"const": "dispute"},
        "amount": {"type": "integer", "minimum": 0, "description": "Minor units."},
        "currency": {"type": "string", "pattern": "^[a-z]{3}$"},
        "payment_intent": {"type": "string", "pattern": "^pi_"},
        "reason": {"type": "string"},
        "status": {"enum": DISPUTE_STATUSES},
        "evidence": {
            "type": "object",
            "description": "uncategorized_text, customer_communication, receipt, ...",
            "additionalProperties": {"type": ["string", "null"]},
        },
        "evidence_details": {
            "type": "object",
            "required": ["due_by", "has_evidence", "submission_count"],
            "properties": {
                "due_by": {"type": ["integer", "null"], "description": "Unix seconds."},
                "has_evidence": {"type": "boolean"},
                "submission_count": {"type": "integer", "minimum": 0},
            },
            "additionalProperties": False,
        },
        "balance_transactions": {"type": "array", "items": {"type": "string"}},
        "created": {"type": "integer", "description": "Unix seconds."},
    },
    "additionalProperties": False,
}


def _intent(status: str | None, description: str) -> dict:
    return {"object": PaymentIntentOutput, "status": status, "description": description}


EVENT_SCHEMAS = {
    "payment_intent.created": _intent(None, "A payment intent was created."),
    "payment_intent.requires_action": _intent("requires_action", "The card asks for 3-D Secure authentication."),
    "payment_intent.requires_capture": _intent("requires_capture", "The card was authorized; capture it."),
    "payment_intent.succeeded": _intent("succeeded", "The money was collected into the wallet."),
    "payment_intent.payment_failed": _intent(None, "A confirmation attempt failed (declined or refused)."),
    "payment_intent.canceled": _intent("canceled", "The payment intent was canceled."),
    "refund.created": {"object": RefundOutput, "description": "A refund was made (pending or succeeded)."},
    "refund.failed": {"object": RefundOutput, "status": "failed", "description": "The processor refused a refund."},
    "dispute.created": {"object": DISPUTE_SCHEMA, "description": "The processor opened a dispute or an inquiry."},
    "dispute.funds_withdrawn": {
        "object": DISPUTE_SCHEMA,
        "description": "The disputed amount and the dispute fee left the wallet.",
    },
    "dispute.updated": {"object": DISPUTE_SCHEMA, "description": "Evidence was staged or submitted."},
    "dispute.funds_reinstated": {
        "object": DISPUTE_SCHEMA,
        "status": "won",
        "description": "The dispute was won: the amount and the fee came back.",
    },
    "dispute.closed": {"object": DISPUTE_SCHEMA, "description": "The dispute ended (won, lost or warning_closed)."},
}
