"""Wallets with their balances read from the ledger, and their statement lines."""

from django.contrib import admin
from django.db.models import QuerySet
from rangefilter.filters import DateRangeFilter

from payments_platform.admin import (
    CSVExportMixin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    admin_link,
    changelist_link,
    csv_amount_columns,
    money_column,
)
from payments_platform.money import money_html
from wallets.admin.columns import account_links, link_column
from wallets.models import BalanceTransaction, Wallet
from wallets.selectors import wallets_with_balances


class BalanceTransactionInline(ReadOnlyInline):
    model = BalanceTransaction
    fields = ["public_id", "type", "amount_display", "balance_after_display", "source_link", "description", "created"]
    readonly_fields = fields
    ordering = ["-id"]
    max_num = 0
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-id")

    amount_display = money_column("amount", "amount (+ in, - out)")
    balance_after_display = money_column("balance_after", "balance after")
    source_link = link_column("source", "source")


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "owner_link", "currency", "status", "available", "pending", "owed", "created"]
    list_filter = ["currency", "status", ("created", DateRangeFilter)]
    search_fields = ["public_id", "user__email"]
    fields = [
        "public_id",
        "owner_link",
        "currency",
        "status",
        "available",
        "pending",
        "owed",
        "available_account_link",
        "pending_account_link",
        "owed_account_link",
        "statement_lines_link",
        "created",
    ]
    readonly_fields = fields
    inlines = [BalanceTransactionInline]

    def get_queryset(self, request) -> QuerySet[Wallet]:
        return wallets_with_balances(super().get_queryset(request)).select_related("user")

    owner_link = link_column("user", "owner", text="user.email", ordering="user__email")

    @admin.display(description="available (ledger)")
    def available(self, wallet: Wallet):
        return money_html(wallet.available_account.balance, wallet.currency)

    @admin.display(description="pending (ledger + pending payouts)")
    def pending(self, wallet: Wallet):
        return money_html(wallet.pending_account.balance + (wallet.pending_payouts_total or 0), wallet.currency)

    @admin.display(description="owed (after disputes)")
    def owed(self, wallet: Wallet):
        return money_html(wallet.owed_account.balance if wallet.owed_account_id else 0, wallet.currency)

    @admin.display(description="owed account")
    def owed_account_link(self, wallet: Wallet) -> str:
        return account_links(wallet.owed_account) if wallet.owed_account_id else "-"

    @admin.display(description="available account")
    def available_account_link(self, wallet: Wallet):
        return account_links(wallet.available_account)

    @admin.display(description="pending account")
    def pending_account_link(self, wallet: Wallet):
        return account_links(wallet.pending_account)

    @admin.display(description="statement lines")
    def statement_lines_link(self, wallet: Wallet):
        return changelist_link(
            BalanceTransaction, "all statement lines (filter by date, export CSV)", wallet__id__exact=wallet.pk
        )


STATEMENT_CSV = [
    ("line", lambda t: t.public_id),
    ("wallet", lambda t: t.wallet.public_id),
    ("type", lambda t: t.type),
    ("source", lambda t: t.source),
    ("currency", lambda t: t.currency),
    *csv_amount_columns("amount"),
    ("balance_after_minor", lambda t: t.balance_after),
    ("description", lambda t: t.description),
    ("created", lambda t: t.created),
]


@admin.register(BalanceTransaction)
class BalanceTransactionAdmin(CSVExportMixin, ReadOnlyAdmin):
    """Wallets' statement lines: + money in, - money out, from the wallet's view."""

    list_display = [
        "public_id",
        "wallet_link",
        "type",
        "amount_display",
        "balance_after_display",
        "source_link",
        "created",
    ]
    list_filter = ["type", "currency", ("created", DateRangeFilter)]
    search_fields = ["public_id", "source", "wallet__public_id", "wallet__user__email"]
    list_select_related = ["wallet"]
    csv_columns = STATEMENT_CSV
    fields = [
        "public_id",
        "wallet_link",
        "type",
        "amount_display",
        "balance_after_display",
        "source_link",
        "posting_link",
        "description",
        "created",
    ]
    readonly_fields = fields

    amount_display = money_column("amount", "amount (+ in, - out)")
    balance_after_display = money_column("balance_after", "balance after")
    wallet_link = link_column("wallet", "wallet")
    source_link = link_column("source", "source")

    @admin.display(description="ledger posting")
    def posting_link(self, line: BalanceTransaction):
        return admin_link(line.posting, f"posting {line.posting_id}")
