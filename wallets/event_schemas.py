"""The events the wallets context emits and the object each carries (the event contract, webhooks.contract).

A serializer means its API representation (its OpenAPI component), which is exactly what the
services pass to `event_record`; `status` pins the status the object has in that event.
"""

from wallets.serializers import PayoutOutput, TransferOutput

EVENT_SCHEMAS = {
    "transfer.created": {
        "object": TransferOutput,
        "description": "A transfer was made (sender and recipient each get one).",
    },
    "transfer.reversed": {
        "object": TransferOutput,
        "status": "reversed",
        "description": "A transfer was reversed: the money went back to the sender.",
    },
    "payout.created": {"object": PayoutOutput, "description": "A payout left the wallet for the bank."},
    "payout.paid": {"object": PayoutOutput, "status": "paid", "description": "The bank paid the payout."},
    "payout.failed": {
        "object": PayoutOutput,
        "status": "failed",
        "description": "The bank refused the payout; the money is back in the wallet.",
    },
}
