"""Transfers, and the one money action of the wallets admin: "Reverse transfer".

The reversal page first shows what will move (`transfer_reversal_plan`) and only on a confirmed
POST calls `transfer_reverse`, which writes the entry, the events and the audit log line.
"""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from rangefilter.filters import DateRangeFilter

from fraud.api import Review
from ledger.api import JournalEntry
from payments_platform.admin import (
    CSVExportMixin,
    ReadOnlyAdmin,
    admin_link,
    confirmation,
    csv_amount_columns,
    linked_rows,
    money_column,
    money_movement,
    operator_request,
    refusal,
)
from payments_platform.api.errors import APIError
from payments_platform.money import format_amount, money_html
from wallets.admin.columns import link_column
from wallets.models import BalanceTransaction, Transfer
from wallets.services import TransferReversalPlan, transfer_reversal_plan, transfer_reverse

TRANSFER_CSV = [
    ("transfer", lambda t: t.public_id),
    ("sender", lambda t: t.sender.email),
    ("recipient", lambda t: t.recipient.email),
    ("currency", lambda t: t.currency),
    *csv_amount_columns("amount"),
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

    amount_display = money_column("amount", "amount")
    source_wallet_link = link_column("source_wallet", "from wallet")
    destination_wallet_link = link_column("destination_wallet", "to wallet")
    sender_link = link_column("sender", "sender", text="sender.email")
    recipient_link = link_column("recipient", "recipient", text="recipient.email")

    @admin.display(description="fraud review")
    def review_link(self, transfer: Transfer):
        return linked_rows(Review.objects.filter(object_type="transfer", object_id=transfer.public_id), label="status")

    @admin.display(description="journal entries")
    def entries(self, transfer: Transfer):
        return linked_rows(JournalEntry.objects.filter(reference=transfer.public_id).order_by("pk"), label="kind")

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
        return _reversal_confirmation(request, plan=plan, cancel_url=page)


def _reversal_confirmation(request, *, plan: TransferReversalPlan, cancel_url: str):
    """The page that shows what reversing `plan.transfer` will move, before anything does."""
    transfer, currency = plan.transfer, plan.transfer.currency
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
            money_movement(
                account=format_html("{} of {}", admin_link(plan.from_wallet), transfer.recipient.email),
                currency=currency,
                debit=plan.amount,
                before=plan.from_balance,
                after=plan.from_balance_after,
            ),
            money_movement(
                account=format_html("{} of {}", admin_link(plan.to_wallet), transfer.sender.email),
                currency=currency,
                credit=plan.amount,
                before=plan.to_balance,
                after=plan.to_balance_after,
            ),
        ],
        confirm_label="Yes, reverse the transfer",
        cancel_url=cancel_url,
        ask_reason=True,
    )
