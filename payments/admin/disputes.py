"""Operators' views of disputes (evidence, money, links to the payment, wallet and entries) and of
the processor notifications, `unmatched` ones first in the filter. Read-only: disputes change only
through the owner's API and the processor's notifications."""

import json
from decimal import Decimal

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

from ledger.api import currency_exponent
from payments.models import ConnectorNotification, Dispute, SimulatorNotification
from payments_platform.admin import ReadOnlyAdmin, ReadOnlyInline
from wallets.api import BalanceTransaction


def money(amount: int | None, currency: str) -> str:
    """Minor units as money: 1820 usd -> "18.20 USD"."""
    if amount is None:
        return "-"
    exponent = currency_exponent(currency)
    value = Decimal(amount).scaleb(-exponent)
    return f"{value:,.{exponent}f} {currency.upper()}"


def _link(obj, text: str | None = None) -> str:
    if obj is None:
        return "-"
    try:
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return str(obj)
    return format_html('<a href="{}">{}</a>', url, text or str(obj))


class ConnectorNotificationInline(ReadOnlyInline):
    model = ConnectorNotification
    fields = ["notification_id", "type", "status", "note", "received"]
    readonly_fields = fields


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = [
        "public_id",
        "user",
        "amount_display",
        "reason",
        "status",
        "owed_display",
        "needs_operator",
        "evidence_due_by",
        "created",
    ]
    list_filter = ["status", "reason", "is_inquiry", "connector"]
    search_fields = ["public_id", "intent__public_id", "wallet__public_id", "user__email", "processor_reference"]
    list_select_related = ["user", "intent", "wallet"]
    date_hierarchy = "created"
    fields = [
        "public_id",
        "user",
        "payment_intent_link",
        "wallet_link",
        "connector",
        "processor_reference",
        "status",
        "reason",
        "is_inquiry",
        "amount_display",
        "fee_display",
        "withdrawn_display",
        "owed_display",
        "withdrawal_entry_link",
        "reinstatement_entry_link",
        "statement_lines",
        "operator_note",
        "evidence_pretty",
        "submission_count",
        "evidence_submitted_at",
        "evidence_due_by",
        "created",
        "updated",
    ]
    readonly_fields = fields
    inlines = [ConnectorNotificationInline]

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, dispute: Dispute) -> str:
        return money(dispute.amount, dispute.currency)

    @admin.display(description="dispute fee")
    def fee_display(self, dispute: Dispute) -> str:
        return money(dispute.fee, dispute.currency)

    @admin.display(description="taken from the wallet")
    def withdrawn_display(self, dispute: Dispute) -> str:
        return money(dispute.amount_withdrawn, dispute.currency)

    @admin.display(description="became owed", ordering="amount_owed")
    def owed_display(self, dispute: Dispute) -> str:
        return money(dispute.amount_owed, dispute.currency)

    @admin.display(description="operator?", boolean=True)
    def needs_operator(self, dispute: Dispute) -> bool:
        return bool(dispute.operator_note)

    @admin.display(description="payment intent")
    def payment_intent_link(self, dispute: Dispute) -> str:
        return _link(dispute.intent, dispute.intent.public_id)

    @admin.display(description="wallet")
    def wallet_link(self, dispute: Dispute) -> str:
        return _link(dispute.wallet, dispute.wallet.public_id)

    @admin.display(description="withdrawal entry")
    def withdrawal_entry_link(self, dispute: Dispute) -> str:
        return _link(dispute.withdrawal_entry)

    @admin.display(description="reinstatement entry")
    def reinstatement_entry_link(self, dispute: Dispute) -> str:
        return _link(dispute.reinstatement_entry)

    @admin.display(description="wallet statement lines")
    def statement_lines(self, dispute: Dispute) -> str:
        lines = BalanceTransaction.objects.filter(public_id__in=dispute.balance_transaction_ids).order_by("pk")
        if not lines:
            return "-"
        return format_html_join(
            "",
            "<div>{} {} {} ({})</div>",
            ((line.public_id, line.type, money(line.amount, line.currency), line.description) for line in lines),
        )

    @admin.display(description="evidence")
    def evidence_pretty(self, dispute: Dispute) -> str:
        return format_html("<pre>{}</pre>", json.dumps(dispute.evidence, indent=2, ensure_ascii=False))


@admin.register(ConnectorNotification)
class ConnectorNotificationAdmin(ReadOnlyAdmin):
    """Every notification a processor sent; filter `unmatched` for those no payment or dispute matched."""

    list_display = ["notification_id", "connector", "type", "status", "note", "dispute", "received"]
    list_filter = ["status", "type", "connector"]
    search_fields = ["notification_id", "note", "dispute__public_id"]
    list_select_related = ["dispute"]
    readonly_fields = ["connector", "notification_id", "type", "status", "note", "dispute", "payload", "received"]


@admin.register(SimulatorNotification)
class SimulatorNotificationAdmin(ReadOnlyAdmin):
    """The simulated processor's outbox: what it will send or sent, with the last attempt's answer."""

    list_display = ["notification_id", "connector", "type", "due_at", "sent_at", "attempts", "last_status_code"]
    list_filter = ["type", "connector"]
    search_fields = ["notification_id", "charge_reference"]
    readonly_fields = [
        "connector",
        "notification_id",
        "dedupe_key",
        "type",
        "charge_reference",
        "payload",
        "due_at",
        "sent_at",
        "attempts",
        "last_status_code",
        "last_error",
        "created",
    ]
