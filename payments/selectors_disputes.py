"""Reads of disputes: the wallet owner's only (another user's dispute is a 404)."""

from django.db.models import QuerySet

from payments.errors import DisputeMissing
from payments.models import Dispute


def dispute_list(*, user, payment_intent: str | None = None) -> QuerySet[Dispute]:
    disputes = Dispute.objects.filter(user=user).select_related("intent")
    if payment_intent:
        disputes = disputes.filter(intent__public_id=payment_intent)
    return disputes


def dispute_get(*, user, public_id: str) -> Dispute:
    dispute = dispute_list(user=user).filter(public_id=public_id).first()
    if dispute is None:
        raise DisputeMissing(f"No such dispute: {public_id!r}.", param="id")
    return dispute
