"""Read-only admin: payment methods, payment intents (attempts inline), refunds, settlement records."""

from django.contrib import admin

from payments.models import PaymentAttempt, PaymentIntent, PaymentMethod, Refund, SettlementRecord, ThreeDSecureSession
from payments_platform.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(PaymentMethod)
class PaymentMethodAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "user", "brand", "last4", "exp_month", "exp_year", "country", "created"]
    list_filter = ["brand"]
    search_fields = ["public_id", "user__email", "fingerprint", "last4"]
    exclude = ["vault_token"]


class PaymentAttemptInline(ReadOnlyInline):
    model = PaymentAttempt
    fields = [
        "attempt_number",
        "connector",
        "status",
        "error_code",
        "decline_code",
        "latency_ms",
        "reference",
        "created",
    ]
    readonly_fields = fields
    ordering = ["attempt_number"]


@admin.register(PaymentIntent)
class PaymentIntentAdmin(ReadOnlyAdmin):
    list_display = [
        "public_id",
        "user",
        "amount",
        "currency",
        "status",
        "amount_received",
        "amount_refunded",
        "connector",
        "created",
    ]
    list_filter = ["status", "capture_method", "connector", "currency"]
    search_fields = ["public_id", "user__email", "connector_reference"]
    list_select_related = ["user"]
    inlines = [PaymentAttemptInline]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = [
        "public_id",
        "intent",
        "amount",
        "fee_refunded",
        "currency",
        "reason",
        "status",
        "connector",
        "created",
    ]
    list_filter = ["status", "reason", "connector"]
    search_fields = ["public_id", "intent__public_id", "user__email", "connector_reference"]
    list_select_related = ["intent"]


@admin.register(ThreeDSecureSession)
class ThreeDSecureSessionAdmin(ReadOnlyAdmin):
    """3-D Secure pages: which intent and attempt asked, how they were answered. Never the token."""

    list_display = ["public_id", "intent", "status", "expires_at", "created", "updated"]
    list_filter = ["status"]
    search_fields = ["public_id", "intent__public_id"]
    list_select_related = ["intent"]
    exclude = ["token_hash"]


@admin.register(SettlementRecord)
class SettlementRecordAdmin(ReadOnlyAdmin):
    list_display = ["connector", "type", "reference", "gross", "fee", "net", "currency", "settled_date", "entry"]
    list_filter = ["connector", "type", "settled_date"]
    search_fields = ["reference"]
    list_select_related = ["entry"]


# Disputes and processor notifications: payments/admin_disputes.py.
from payments import admin_disputes  # noqa: E402, F401
