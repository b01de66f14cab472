"""Operators' views of wallets (balances read from the ledger), transfers and payouts. All read-only:
money moves through the services (and `adjust_wallet`), never through a form."""

from django.contrib import admin
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from ledger.models import Account
from payments_platform.admin import ReadOnlyAdmin, ReadOnlyInline
from wallets.models import BalanceTransaction, Payout, Transfer, Wallet
from wallets.selectors import wallets_with_balances


def _account_links(account: Account) -> str:
    """Links to the ledger account's admin page and its postings, when the ledger admin has them."""
    try:
        change = reverse("admin:ledger_account_change", args=[account.pk])
    except NoReverseMatch:
        return account.code
    try:
        postings = reverse("admin:ledger_posting_changelist") + f"?account__id__exact={account.pk}"
    except NoReverseMatch:
        return format_html('<a href="{}">{}</a>', change, account.code)
    return format_html('<a href="{}">{}</a> (<a href="{}">postings</a>)', change, account.code, postings)


class BalanceTransactionInline(ReadOnlyInline):
    model = BalanceTransaction
    fields = ["public_id", "type", "amount", "balance_after", "source", "description", "created"]
    readonly_fields = fields
    ordering = ["-id"]
    max_num = 0
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-id")


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "owner_email", "currency", "status", "available", "pending", "owed", "created"]
    list_filter = ["currency", "status"]
    search_fields = ["public_id", "user__email"]
    date_hierarchy = "created"
    fields = [
        "public_id",
        "owner_email",
        "currency",
        "status",
        "available",
        "pending",
        "owed",
        "available_account_link",
        "pending_account_link",
        "owed_account_link",
        "created",
    ]
    readonly_fields = fields
    inlines = [BalanceTransactionInline]

    def get_queryset(self, request) -> QuerySet[Wallet]:
        return wallets_with_balances(super().get_queryset(request)).select_related("user")

    @admin.display(description="owner", ordering="user__email")
    def owner_email(self, wallet: Wallet) -> str:
        return wallet.user.email

    @admin.display(description="available (ledger)")
    def available(self, wallet: Wallet) -> int:
        return wallet.available_account.balance

    @admin.display(description="pending (ledger + pending payouts)")
    def pending(self, wallet: Wallet) -> int:
        return wallet.pending_account.balance + (wallet.pending_payouts_total or 0)

    @admin.display(description="owed (after disputes)")
    def owed(self, wallet: Wallet) -> int:
        return wallet.owed_account.balance if wallet.owed_account_id else 0

    @admin.display(description="owed account")
    def owed_account_link(self, wallet: Wallet) -> str:
        return _account_links(wallet.owed_account) if wallet.owed_account_id else "-"

    @admin.display(description="available account")
    def available_account_link(self, wallet: Wallet) -> str:
        return _account_links(wallet.available_account)

    @admin.display(description="pending account")
    def pending_account_link(self, wallet: Wallet) -> str:
        return _account_links(wallet.pending_account)


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "sender", "recipient", "amount", "currency", "status", "created"]
    list_filter = ["currency", "status"]
    search_fields = ["public_id", "sender__email", "recipient__email", "entry__public_id"]
    date_hierarchy = "created"
    list_select_related = ["sender", "recipient"]
    readonly_fields = [
        "public_id",
        "source_wallet",
        "destination_wallet",
        "sender",
        "recipient",
        "amount",
        "currency",
        "description",
        "metadata",
        "status",
        "entry",
        "created",
    ]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "user", "amount", "currency", "status", "failure_code", "arrival_date", "created"]
    list_filter = ["status", "currency", "failure_code"]
    search_fields = ["public_id", "user__email", "wallet__public_id"]
    date_hierarchy = "created"
    list_select_related = ["user"]
    readonly_fields = [
        "public_id",
        "wallet",
        "user",
        "amount",
        "currency",
        "status",
        "account_last4",
        "routing_number",
        "bank_reference",
        "description",
        "metadata",
        "failure_code",
        "failure_message",
        "arrival_date",
        "entry",
        "settlement_entry",
        "settled_at",
        "created",
    ]
