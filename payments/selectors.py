"""Reads of the payments context; every one is scoped to its owner (another user's object is a 404)."""

from django.db.models import Prefetch, QuerySet

from payments.errors import PaymentIntentMissing, PaymentMethodMissing, RefundMissing
from payments.models import PaymentAttempt, PaymentIntent, PaymentMethod, Refund


def payment_method_list(*, user) -> QuerySet[PaymentMethod]:
    return PaymentMethod.objects.filter(user=user)


def payment_method_get(*, user, public_id: str) -> PaymentMethod:
    method = payment_method_list(user=user).filter(public_id=public_id).first()
    if method is None:
        raise PaymentMethodMissing(f"No such payment method: {public_id!r}.", param="id")
    return method


def payment_intent_list(*, user) -> QuerySet[PaymentIntent]:
    """The user's intents with wallet, payment method and attempts: three queries per page."""
    return (
        PaymentIntent.objects.filter(user=user)
        .select_related("wallet", "payment_method")
        .prefetch_related(Prefetch("attempts", queryset=PaymentAttempt.objects.order_by("attempt_number")))
    )


def payment_intent_get(*, user, public_id: str) -> PaymentIntent:
    intent = payment_intent_list(user=user).filter(public_id=public_id).first()
    if intent is None:
        raise PaymentIntentMissing(f"No such payment intent: {public_id!r}.", param="id")
    return intent


def refund_list(*, user, payment_intent: str | None = None) -> QuerySet[Refund]:
    refunds = Refund.objects.filter(user=user).select_related("intent")
    if payment_intent:
        refunds = refunds.filter(intent__public_id=payment_intent)
    return refunds


def refund_get(*, user, public_id: str) -> Refund:
    refund = refund_list(user=user).filter(public_id=public_id).first()
    if refund is None:
        raise RefundMissing(f"No such refund: {public_id!r}.", param="id")
    return refund
