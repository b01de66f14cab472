"""Payouts: read-only, with their ledger entries (the payout and its settlement)."""

from django.contrib import admin
from rangefilter.filters import DateRangeFilter

from payments_platform.admin import CSVExportMixin, ReadOnlyAdmin, csv_amount_columns, money_column
from wallets.admin.columns import link_column
from wallets.models import Payout

PAYOUT_CSV = [
    ("payout", lambda p: p.public_id),
    ("user", lambda p: p.user.email),
    ("wallet", lambda p: p.wallet.public_id),
    ("currency", lambda p: p.currency),
    *csv_amount_columns("amount"),
    ("status", lambda p: p.status),
    ("failure_code", lambda p: p.failure_code or ""),
    ("arrival_date", lambda p: p.arrival_date),
    ("created", lambda p: p.created),
]


@admin.register(Payout)
class PayoutAdmin(CSVExportMixin, ReadOnlyAdmin):
    list_display = ["public_id", "user", "amount_display", "status", "failure_code", "arrival_date", "created"]
    list_filter = [
        "status",
        "currency",
        "failure_code",
        ("created", DateRangeFilter),
        ("arrival_date", DateRangeFilter),
    ]
    search_fields = ["public_id", "user__email", "wallet__public_id"]
    list_select_related = ["user", "wallet"]
    csv_columns = PAYOUT_CSV
    fields = [
        "public_id",
        "wallet_link",
        "user_link",
        "amount_display",
        "status",
        "account_last4",
        "routing_number",
        "bank_reference",
        "description",
        "metadata",
        "failure_code",
        "failure_message",
        "held_for_review",
        "arrival_date",
        "entry_link",
        "settlement_entry_link",
        "settled_at",
        "created",
    ]
    readonly_fields = fields

    amount_display = money_column("amount", "amount")
    wallet_link = link_column("wallet", "wallet")
    user_link = link_column("user", "user", text="user.email")
    entry_link = link_column("entry", "entry")
    settlement_entry_link = link_column("settlement_entry", "settlement entry")
