"""Read-only admin: payment methods, payment intents (attempts inline, refunds and review linked),
refunds, settlement records. Money in its currency's format; every list with dates has a range filter
and the money lists export CSV."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from rangefilter.filters import DateRangeFilter

from fraud.api import Review
from ledger.api import JournalEntry
from payments.models import PaymentAttempt, PaymentIntent, PaymentMethod, Refund, SettlementRecord, ThreeDSecureSession
from payments.services import refund_by_operator
from payments.services.postings import intent_receivable
from payments_platform.admin import (
    CSVExportMixin,
    Movement,
    ReadOnlyAdmin,
    ReadOnlyInline,
    admin_link,
    confirmation,
    csv_amount_columns,
    linked_rows,
    money_column,
    operator_request,
    refusal,
)
from payments_platform.api.errors import APIError
from payments_platform.money import format_amount, money_html


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
    *csv_amount_columns("amount"),
    ("amount_received_minor", lambda i: i.amount_received),
    ("amount_refunded_minor", lambda i: i.amount_refunded),
    ("fee_minor", lambda i: i.fee),
    ("status", lambda i: i.status),
    ("connector", lambda i: i.connector),
    ("created", lambda i: i.created),
]


@admin.register(PaymentIntent)
class PaymentIntentAdmin(CSVExportMixin, ReadOnlyAdmin):
    change_form_template = "admin/payments/paymentintent/change_form.html"
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

    amount_display = money_column("amount", "amount")
    received = money_column("amount_received", "received")
    refunded = money_column("amount_refunded", "refunded")
    fee_display = money_column("fee", "platform fee")

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
        return linked_rows(
            Review.objects.filter(object_type="payment_intent", object_id=intent.public_id), label="status"
        )

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
        return linked_rows(JournalEntry.objects.filter(reference=intent.public_id).order_by("pk"), label="kind")

    # --- an operator's refund: a page that shows what will move, then refund_by_operator --------

    def get_urls(self):
        view = self.admin_site.admin_view(self.refund_view)
        return [path("<int:pk>/refund/", view, name="payments_paymentintent_refund"), *super().get_urls()]

    def has_refund_permission(self, request) -> bool:
        """Refunding moves money: it needs the change permission on payment intents (superusers have it)."""
        return request.user.has_perm("payments.change_paymentintent")

    def refund_view(self, request, pk: int):
        """GET (optionally `?amount=` in minor units): what the refund will move; POST confirm=yes: refund."""
        intent = get_object_or_404(PaymentIntent.objects.select_related("wallet", "user"), pk=pk)
        page = reverse("admin:payments_paymentintent_change", args=[pk])
        if not self.has_refund_permission(request):
            reason = "Refunding moves money: it needs the permission to change payment intents."
            return refusal(request, title="Refund refused", reason=reason, back_url=page)
        remaining = intent.amount_received - intent.amount_refunded
        data = request.POST if request.method == "POST" else request.GET
        try:
            amount = int(data.get("amount") or remaining)
        except ValueError:
            amount = 0
        refused = None
        if intent.status != PaymentIntent.Status.SUCCEEDED or intent.held_for_review:
            refused = f"Only a succeeded payment that is not held for review can be refunded ({intent.status})."
        elif not 0 < amount <= remaining:
            refused = f"The amount must be between 1 and the {remaining} minor units left to refund."
        if refused:
            return refusal(request, title="Refund refused", reason=refused, back_url=page, status=409)
        reason = data.get("reason") or None
        if reason not in (None, *Refund.Reason.values):
            reason = None
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            request_id, ip = operator_request(request)
            try:
                refund = refund_by_operator(
                    intent=intent, amount=amount, reason=reason, actor=request.user, request_id=request_id, ip=ip
                )
            except APIError as error:
                return refusal(request, title="Refund refused", reason=error.message, back_url=page, status=409)
            self.message_user(request, f"Refund {refund.public_id} of {intent.public_id} created.", messages.SUCCESS)
            return HttpResponseRedirect(page)
        receivable = intent_receivable(intent)
        wallet_balance = intent.wallet.available_account.balance
        currency = intent.currency
        return confirmation(
            request,
            title=f"Refund {intent.public_id}",
            summary=f"Refund {format_amount(amount, currency)} {currency.upper()} to {intent.user.email}'s card, "
            f"taken from their wallet {intent.wallet.public_id}.",
            facts=[
                ("payment", admin_link(intent)),
                (
                    "received / refunded so far",
                    format_html(
                        "{} / {}",
                        money_html(intent.amount_received, currency),
                        money_html(intent.amount_refunded, currency),
                    ),
                ),
                ("reason", reason or "-"),
                (
                    "a partial refund?",
                    format_html(
                        '<form method="get" class="refund-amount"><input type="number" name="amount" value="{}" '
                        'min="1" max="{}"> minor units <select name="reason"><option value="">no reason</option>'
                        '<option value="requested_by_customer">requested by customer</option>'
                        '<option value="duplicate">duplicate</option><option value="fraudulent">fraudulent</option>'
                        '</select> <input type="submit" value="Show what this moves"></form>',
                        amount,
                        remaining,
                    ),
                ),
            ],
            movements=[
                Movement(
                    account=format_html("{} of {}", admin_link(intent.wallet), intent.user.email),
                    debit=money_html(amount, currency),
                    before=money_html(wallet_balance, currency),
                    after=money_html(wallet_balance - amount, currency),
                ),
                Movement(
                    account=admin_link(receivable, receivable.code),
                    credit=money_html(amount, currency),
                    before=money_html(receivable.balance, currency),
                    after=money_html(receivable.balance - amount, currency),
                ),
            ],
            confirm_label="Yes, refund",
            cancel_url=page,
            hidden=[("amount", amount), ("reason", reason or "")],
        )


REFUND_CSV = [
    ("refund", lambda r: r.public_id),
    ("payment_intent", lambda r: r.intent.public_id),
    ("currency", lambda r: r.currency),
    *csv_amount_columns("amount"),
    ("reason", lambda r: r.reason or ""),
    ("status", lambda r: r.status),
    ("connector", lambda r: r.connector),
    ("created", lambda r: r.created),
]


@admin.register(Refund)
class RefundAdmin(CSVExportMixin, ReadOnlyAdmin):
    list_display = [
        "public_id",
        "intent_link",
        "amount_display",
        "fee_refunded",
        "reason",
        "status",
        "connector",
        "created",
    ]
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
        "fee_refunded",
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

    amount_display = money_column("amount", "amount")

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
    list_display = ["connector", "type", "reference", "gross_display", "fee_display", "net_display", "settled_date"]
    list_filter = ["connector", "type", ("settled_date", DateRangeFilter)]
    search_fields = ["reference"]
    list_select_related = ["entry"]

    gross_display = money_column("gross", "gross")
    fee_display = money_column("fee", "fee")
    net_display = money_column("net", "net")
