"""Read-only admin: payment methods, payment intents (attempts inline, refunds and review linked),
refunds, settlement records. Money in its currency's format; every list with dates has a range filter
and the money lists export CSV."""

from django.contrib import admin
from django.utils.html import format_html_join
from rangefilter.filters import DateRangeFilter

from fraud.models import Review
from ledger.models import JournalEntry
from payments.models import PaymentAttempt, PaymentIntent, PaymentMethod, Refund, SettlementRecord
from payments_platform.admin import CSVExportMixin, ReadOnlyAdmin, ReadOnlyInline, admin_link
from payments_platform.money import format_amount, money_html


def _money(field: str, description: str):
    @admin.display(description=description, ordering=field)
    def show(self, obj):
        return money_html(getattr(obj, field), obj.currency)

    return show


@admin.register(PaymentMethod)
class PaymentMethodAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "user", "brand", "last4", "exp_month", "exp_year", "country", "created"]
    list_filter = ["brand", ("created", DateRangeFilter)]
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


INTENT_CSV = [
    ("payment_intent", lambda i: i.public_id),
    ("user", lambda i: i.user.email),
    ("currency", lambda i: i.currency),
    ("amount_minor", lambda i: i.amount),
    ("amount", lambda i: format_amount(i.amount, i.currency)),
    ("amount_received_minor", lambda i: i.amount_received),
    ("amount_refunded_minor", lambda i: i.amount_refunded),
    ("fee_minor", lambda i: i.fee),
    ("status", lambda i: i.status),
    ("connector", lambda i: i.connector),
    ("created", lambda i: i.created),
]


@admin.register(PaymentIntent)
class PaymentIntentAdmin(CSVExportMixin, ReadOnlyAdmin):
    list_display = ["public_id", "user", "amount_display", "status", "received", "refunded", "created"]
    list_filter = ["status", "currency", "capture_method", "connector", ("created", DateRangeFilter)]
    search_fields = ["public_id", "user__email", "connector_reference"]
    list_select_related = ["user"]
    inlines = [PaymentAttemptInline]
    csv_columns = INTENT_CSV
    fields = [
        "public_id",
        "status",
        "user_link",
        "wallet_link",
        "payment_method_link",
        "amount_display",
        "received",
        "refunded",
        "fee_display",
        "capture_method",
        "connector",
        "connector_reference",
        "outcome",
        "held_for_review",
        "review_links",
        "refund_links",
        "entries",
        "last_payment_error",
        "description",
        "metadata",
        "captured_at",
        "canceled_at",
        "cancellation_reason",
        "created",
        "updated",
    ]
    readonly_fields = fields

    amount_display = _money("amount", "amount")
    received = _money("amount_received", "received")
    refunded = _money("amount_refunded", "refunded")
    fee_display = _money("fee", "platform fee")

    @admin.display(description="user")
    def user_link(self, intent: PaymentIntent):
        return admin_link(intent.user, intent.user.email)

    @admin.display(description="wallet")
    def wallet_link(self, intent: PaymentIntent):
        return admin_link(intent.wallet)

    @admin.display(description="card")
    def payment_method_link(self, intent: PaymentIntent):
        method = intent.payment_method
        return admin_link(method, f"{method.brand} •••• {method.last4}") if method else "-"

    @admin.display(description="fraud review")
    def review_links(self, intent: PaymentIntent):
        reviews = Review.objects.filter(object_type="payment_intent", object_id=intent.public_id)
        return format_html_join(", ", "{} ({})", ((admin_link(r), r.status) for r in reviews)) or "-"

    @admin.display(description="refunds")
    def refund_links(self, intent: PaymentIntent):
        rows = intent.refunds.order_by("pk")
        return (
            format_html_join(
                ", ", "{} {} ({})", ((admin_link(r), money_html(r.amount, r.currency), r.status) for r in rows)
            )
            or "-"
        )

    @admin.display(description="journal entries")
    def entries(self, intent: PaymentIntent):
        rows = JournalEntry.objects.filter(reference=intent.public_id).order_by("pk")
        return format_html_join(", ", "{} ({})", ((admin_link(e), e.kind) for e in rows)) or "-"


REFUND_CSV = [
    ("refund", lambda r: r.public_id),
    ("payment_intent", lambda r: r.intent.public_id),
    ("currency", lambda r: r.currency),
    ("amount_minor", lambda r: r.amount),
    ("amount", lambda r: format_amount(r.amount, r.currency)),
    ("reason", lambda r: r.reason or ""),
    ("status", lambda r: r.status),
    ("connector", lambda r: r.connector),
    ("created", lambda r: r.created),
]


@admin.register(Refund)
class RefundAdmin(CSVExportMixin, ReadOnlyAdmin):
    list_display = ["public_id", "intent_link", "amount_display", "reason", "status", "connector", "created"]
    list_filter = ["status", "reason", "currency", "connector", ("created", DateRangeFilter)]
    search_fields = ["public_id", "intent__public_id", "user__email", "connector_reference"]
    list_select_related = ["intent"]
    csv_columns = REFUND_CSV
    fields = [
        "public_id",
        "status",
        "intent_link",
        "user_link",
        "amount_display",
        "reason",
        "connector",
        "connector_reference",
        "failure_code",
        "from_held_funds",
        "entry_link",
        "reversal_entry_link",
        "created",
        "updated",
    ]
    readonly_fields = fields

    amount_display = _money("amount", "amount")

    @admin.display(description="payment intent", ordering="intent__public_id")
    def intent_link(self, refund: Refund):
        return admin_link(refund.intent)

    @admin.display(description="user")
    def user_link(self, refund: Refund):
        return admin_link(refund.user, refund.user.email)

    @admin.display(description="entry")
    def entry_link(self, refund: Refund):
        return admin_link(refund.entry)

    @admin.display(description="reversal entry")
    def reversal_entry_link(self, refund: Refund):
        return admin_link(refund.reversal_entry)


@admin.register(SettlementRecord)
class SettlementRecordAdmin(ReadOnlyAdmin):
    list_display = ["connector", "type", "reference", "gross_display", "fee_display", "net_display", "settled_date"]
    list_filter = ["connector", "type", ("settled_date", DateRangeFilter)]
    search_fields = ["reference"]
    list_select_related = ["entry"]

    gross_display = _money("gross", "gross")
    fee_display = _money("fee", "fee")
    net_display = _money("net", "net")
