"""The API shape of a transfer and of a payout: what the API answers and what their events carry.

Plain functions of the model, no serializer: services build the event payload with them inside
their transaction, and the API serializers (`TransferOutput`, `PayoutOutput`) answer with the
same function, so an event shows exactly what the API shows. The serializers keep the field
declarations for the OpenAPI document and the event schemas.
"""

from datetime import datetime

from wallets.models import Payout, Transfer


def unix_seconds(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def outcome_representation(outcome: dict | None) -> dict | None:
    """The contract's fraud `outcome` as stored on the object, or None when it was never assessed."""
    if outcome is None:
        return None
    return {
        "type": outcome["type"],
        "risk_level": outcome["risk_level"],
        "risk_score": int(outcome["risk_score"]),
        "rules": [str(rule) for rule in outcome["rules"]],
        "reason": outcome["reason"],
    }


def transfer_representation(transfer: Transfer) -> dict:
    return {
        "id": transfer.public_id,
        "object": "transfer",
        "amount": int(transfer.amount),
        "currency": str(transfer.currency),
        "source_wallet": transfer.source_wallet.public_id,
        "destination_wallet": transfer.destination_wallet.public_id,
        "description": str(transfer.description),
        "metadata": transfer.metadata or {},
        "status": str(transfer.status),
        "outcome": outcome_representation(transfer.outcome),
        "created": unix_seconds(transfer.created),
    }


def payout_representation(payout: Payout) -> dict:
    return {
        "id": payout.public_id,
        "object": "payout",
        "amount": int(payout.amount),
        "currency": str(payout.currency),
        "wallet": payout.wallet.public_id,
        "status": str(payout.status),
        "destination": {"last4": payout.account_last4, "routing_number": payout.routing_number},
        "description": str(payout.description),
        "metadata": payout.metadata or {},
        "failure_code": payout.failure_code,
        "failure_message": payout.failure_message,
        "arrival_date": unix_seconds(payout.arrival_date),
        "outcome": outcome_representation(payout.outcome),
        "created": unix_seconds(payout.created),
    }
