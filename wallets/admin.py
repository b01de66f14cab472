"""Operators' views of wallets (balances read from the ledger), statements, transfers and payouts.

All read-only except one money action: "Reverse transfer", on a transfer's page, which first
shows exactly what will move and only then calls `wallets.services.transfer_reverse`.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from rangefilter.filters import DateRangeFilter

from fraud.models import Review
from ledger.models import Account, JournalEntry
from payments_platform.admin import (
    CSVExportMixin,
    Movement,
    ReadOnlyAdmin,
    ReadOnlyInline,
    admin_link,
    changelist_link,
    confirmation,
    operator_request,
    refusal,
)
from payments_platform.api.errors import APIError
from payments_platform.money import format_amount, money_html
from wallets.models import BalanceTransaction, Payout, Transfer, Wallet
from wallets.selectors import wallets_with_balances
from wallets.services import transfer_reversal_plan, transfer_reverse


def _account_links(account: Account):
    """The ledger account's admin page and its statement."""
    return format_html(
        '{} (<a href="{}">statement</a>)',
        admin_link(account, account.code),
        reverse("admin:ledger_account_statement", args=[account.pk]),
    )


def _money(field: str, description: str):
    @admin.display(description=description, ordering=field)
    def show(self, obj):
        return money_html(getattr(obj, field), obj.currency)

    return show


class BalanceTransactionInline(ReadOnlyInline):
    model = BalanceTransaction
    fields = ["public_id", "type", "amount_display", "balance_after_display", "source_link", "description", "created"]
    readonly_fields = fields
    ordering = ["-id"]
    max_num = 0
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-id")

    amount_display = _money("amount", "amount (+ in, - out)")
    balance_after_display = _money("balance_after", "balance after")

    @admin.display(description="source")
    def source_link(self, line: BalanceTransaction):
        return admin_link(line.source)


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

    @admin.display(description="owner", ordering="user__email")
    def owner_link(self, wallet: Wallet):
        return admin_link(wallet.user, wallet.user.email)

    @admin.display(description="available (ledger)")
    def available(self, wallet: Wallet):
        return money_html(wallet.available_account.balance, wallet.currency)

    @admin.display(description="pending (ledger + pending payouts)")
    def pending(self, wallet: Wallet):
        return money_html(wallet.pending_account.balance + (wallet.pending_payouts_total or 0), wallet.currency)

    @admin.display(description="owed (after disputes)")
    def owed(self, wallet: Wallet) -> int:
        return wallet.owed_account.balance if wallet.owed_account_id else 0

    @admin.display(description="owed account")
    def owed_account_link(self, wallet: Wallet) -> str:
        return _account_links(wallet.owed_account) if wallet.owed_account_id else "-"

    @admin.display(description="available account")
    def available_account_link(self, wallet: Wallet):
        return _account_links(wallet.available_account)

    @admin.display(description="pending account")
    def pending_account_link(self, wallet: Wallet):
        return _account_links(wallet.pending_account)

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
    ("amount_minor", lambda t: t.amount),
    ("amount", lambda t: format_amount(t.amount, t.currency)),
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

    amount_display = _money("amount", "amount (+ in, - out)")
    balance_after_display = _money("balance_after", "balance after")

    @admin.display(description="wallet")
    def wallet_link(self, line: BalanceTransaction):
        return admin_link(line.wallet)

    @admin.display(description="source")
    def source_link(self, line: BalanceTransaction):
        return admin_link(line.source)

    @admin.display(description="ledger posting")
    def posting_link(self, line: BalanceTransaction):
        return admin_link(line.posting, f"posting {line.posting_id}")


TRANSFER_CSV = [
    ("transfer", lambda t: t.public_id),
    ("sender", lambda t: t.sender.email),
    ("recipient", lambda t: t.recipient.email),
    ("currency", lambda t: t.currency),
    ("amount_minor", lambda t: t.amount),
    ("amount", lambda t: format_amount(t.amount, t.currency)),
    ("status", lambda t: t.status),
    ("created", lambda t: t.created),
]


@admin.register(Transfer)
class TransferAdmin(CSVExportMixin, ReadOnlyAdmin):
    change_form_template = "admin/wallets/transfer/change_form.html"
    list_display = ["public_id", "sender", "recipient", "amount_display", "status", "created"]
    list_filter = ["status", "currency", ("created", DateRangeFilter)]
    search_fields = ["public_id", "sender__email", "recipient__email", "entry__public_id"]
    list_select_related = ["sender", "recipient"]
    csv_columns = TRANSFER_CSV
    fields = [
        "public_id",
        "status",
        "amount_display",
        "source_wallet_link",
        "destination_wallet_link",
        "sender_link",
        "recipient_link",
        "description",
        "metadata",
        "funds_held",
        "outcome",
        "review_link",
        "entries",
        "statement_lines",
        "created",
    ]
    readonly_fields = fields

    amount_display = _money("amount", "amount")

    @admin.display(description="from wallet")
    def source_wallet_link(self, transfer: Transfer):
        return admin_link(transfer.source_wallet)

    @admin.display(description="to wallet")
    def destination_wallet_link(self, transfer: Transfer):
        return admin_link(transfer.destination_wallet)

    @admin.display(description="sender")
    def sender_link(self, transfer: Transfer):
        return admin_link(transfer.sender, transfer.sender.email)

    @admin.display(description="recipient")
    def recipient_link(self, transfer: Transfer):
        return admin_link(transfer.recipient, transfer.recipient.email)

    @admin.display(description="fraud review")
    def review_link(self, transfer: Transfer):
        reviews = Review.objects.filter(object_type="transfer", object_id=transfer.public_id)
        return format_html_join(", ", "{} ({})", ((admin_link(r), r.status) for r in reviews)) or "-"

    @admin.display(description="journal entries")
    def entries(self, transfer: Transfer):
        rows = JournalEntry.objects.filter(reference=transfer.public_id).order_by("pk")
        return format_html_join(", ", "{} ({})", ((admin_link(e), e.kind) for e in rows)) or "-"

    @admin.display(description="statement lines")
    def statement_lines(self, transfer: Transfer):
        rows = BalanceTransaction.objects.filter(source=transfer.public_id).select_related("wallet").order_by("pk")
        return (
            format_html_join(
                "",
                "<div>{} {} {} on {}</div>",
                ((admin_link(t), t.type, money_html(t.amount, t.currency), t.wallet.public_id) for t in rows),
            )
            or "-"
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.reverse_view)
        return [path("<int:pk>/reverse/", view, name="wallets_transfer_reverse"), *super().get_urls()]

    def has_reverse_permission(self, request) -> bool:
        """Reversing moves money: it needs the change permission on transfers (superusers have it)."""
        return request.user.has_perm("wallets.change_transfer")

    def reverse_view(self, request, pk: int):
        """GET: what reversing would move; POST with confirm=yes: reverse it (transfer_reverse)."""
        transfer = get_object_or_404(
            Transfer.objects.select_related("source_wallet", "destination_wallet", "sender", "recipient"), pk=pk
        )
        page = reverse("admin:wallets_transfer_change", args=[pk])
        if not self.has_reverse_permission(request):
            return refusal(
                request,
                title="Reversal refused",
                reason="Reversing a transfer moves money: it needs the permission to change transfers.",
                back_url=page,
            )
        plan = transfer_reversal_plan(transfer=transfer)
        if plan.refusal:
            return refusal(request, title="Reversal refused", reason=plan.refusal, back_url=page, status=409)
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            request_id, ip = operator_request(request)
            try:
                transfer_reverse(
                    transfer=transfer,
                    actor=request.user,
                    reason=request.POST.get("reason", ""),
                    request_id=request_id,
                    ip=ip,
                )
            except APIError as error:
                return refusal(request, title="Reversal refused", reason=error.message, back_url=page, status=409)
            self.message_user(request, f"Transfer {transfer.public_id} reversed.", messages.SUCCESS)
            return HttpResponseRedirect(page)
        currency = transfer.currency
        return confirmation(
            request,
            title=f"Reverse transfer {transfer.public_id}",
            summary=f"Take {format_amount(transfer.amount, currency)} {currency.upper()} back from "
            f"{transfer.recipient.email} and return it to {transfer.sender.email}.",
            facts=[
                ("transfer", admin_link(transfer)),
                ("amount", money_html(transfer.amount, currency)),
                ("created", transfer.created),
                ("status after", "reversed (event transfer.reversed to both parties)"),
            ],
            movements=[
                Movement(
                    account=format_html("{} of {}", admin_link(plan.from_wallet), transfer.recipient.email),
                    debit=money_html(plan.amount, currency),
                    before=money_html(plan.from_balance, currency),
                    after=money_html(plan.from_balance_after, currency),
                ),
                Movement(
                    account=format_html("{} of {}", admin_link(plan.to_wallet), transfer.sender.email),
                    credit=money_html(plan.amount, currency),
                    before=money_html(plan.to_balance, currency),
                    after=money_html(plan.to_balance_after, currency),
                ),
            ],
            confirm_label="Yes, reverse the transfer",
            cancel_url=page,
            ask_reason=True,
        )


PAYOUT_CSV = [
    ("payout", lambda p: p.public_id),
    ("user", lambda p: p.user.email),
    ("wallet", lambda p: p.wallet.public_id),
    ("currency", lambda p: p.currency),
    ("amount_minor", lambda p: p.amount),
    ("amount", lambda p: format_amount(p.amount, p.currency)),
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

    amount_display = _money("amount", "amount")

    @admin.display(description="wallet")
    def wallet_link(self, payout: Payout):
        return admin_link(payout.wallet)

    @admin.display(description="user")
    def user_link(self, payout: Payout):
        return admin_link(payout.user, payout.user.email)

    @admin.display(description="entry")
    def entry_link(self, payout: Payout):
        return admin_link(payout.entry)

    @admin.display(description="settlement entry")
    def settlement_entry_link(self, payout: Payout):
        return admin_link(payout.settlement_entry)
