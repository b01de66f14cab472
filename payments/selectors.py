"""Reads of the payments context, disputes included; every one is scoped to its owner (another user's
object is a 404)."""

from django.db.models import Prefetch, QuerySet

from payments.errors import DisputeMissing, PaymentIntentMissing, PaymentMethodMissing, RefundMissing
from payments.models import Dispute, PaymentAttempt, PaymentIntent, PaymentMethod, Refund


def payment_method_list(*, user) -> QuerySet[PaymentMethod]:
    return PaymentMethod.objects.filter(user=user)


def payment_method_get(*, user, public_id: str) -> PaymentMethod:
    return _one(
        payment_method_list(user=user), public_id=public_id, missing=PaymentMethodMissing, noun="payment method"
    )


def payment_intent_list(*, user) -> QuerySet[PaymentIntent]:
    """The user's intents with their wallet, payment method and attempts, read per page, not per intent."""
    return (
        PaymentIntent.objects.filter(user=user)
        .select_related("wallet", "payment_method")
        .prefetch_related(Prefetch("attempts", queryset=PaymentAttempt.objects.order_by("attempt_number")))
    )


def payment_intent_get(*, user, public_id: str) -> PaymentIntent:
    return _one(
        payment_intent_list(user=user), public_id=public_id, missing=PaymentIntentMissing, noun="payment intent"
    )


def _of_payment(model, *, user, payment_intent: str | None) -> QuerySet:
    """The user's refunds or disputes (with their intent), of one payment intent when given."""
    rows = model.objects.filter(user=user).select_related("intent")
    if payment_intent:
        rows = rows.filter(intent__public_id=payment_intent)
    return rows


def refund_list(*, user, payment_intent: str | None = None) -> QuerySet[Refund]:
    return _of_payment(Refund, user=user, payment_intent=payment_intent)


def refund_get(*, user, public_id: str) -> Refund:
    return _one(refund_list(user=user), public_id=public_id, missing=RefundMissing, noun="refund")


def dispute_list(*, user, payment_intent: str | None = None) -> QuerySet[Dispute]:
    return _of_payment(Dispute, user=user, payment_intent=payment_intent)


def dispute_get(*, user, public_id: str) -> Dispute:
    return _one(dispute_list(user=user), public_id=public_id, missing=DisputeMissing, noun="dispute")


def _one(rows: QuerySet, *, public_id: str, missing: type[Exception], noun: str):
    """The row `public_id` of `rows` (already scoped to its owner), else `missing` (a 404, param id)."""
    row = rows.filter(public_id=public_id).first()
    if row is None:
        raise missing(f"No such {noun}: {public_id!r}.", param="id")
    return row
