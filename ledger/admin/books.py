"""Operators' read-only views of the books, and the one write they may make here: reversing a
platform-only entry, after a confirmation page that shows what will move.

Every ledger admin refuses add, change and delete, for superusers too (`ReadOnlyAdmin`); the
database refuses UPDATE and DELETE of entries and postings anyway. Entries that move a wallet's
money are reversed through their business object (a transfer's "Reverse transfer" page), never here.
"""

from django.contrib import admin, messages
from django.urls import path, reverse
from django.utils.html import format_html
from rangefilter.filters import DateRangeFilter

from ledger.errors import EntryOwnedByWallet
from ledger.models import Account, JournalEntry, Posting, ReconciliationRun, account_base_code
from ledger.selectors import account_shard_totals
from ledger.services import entry_touches_wallet, journal_entry_reverse
from payments_platform.admin import (
    CSVExportMixin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    admin_link,
    changelist_link,
    confirmation,
    money_movement,
    operator_request,
    refusal,
)
from payments_platform.api.errors import APIError
from payments_platform.money import format_amount, money_html


def debit_of(posting: Posting):
    return money_html(posting.amount, posting.currency) if posting.amount > 0 else ""


def credit_of(posting: Posting):
    return money_html(-posting.amount, posting.currency) if posting.amount < 0 else ""


class PostingColumns:
    """The columns a posting shows wherever it is listed (the postings list, an entry's inline):
    its account as a link, debit and credit in their own columns, the balance after."""

    @admin.display(description="account")
    def account_link(self, posting: Posting):
        return admin_link(posting.account, posting.account.code)

    @admin.display(description="debit")
    def debit(self, posting: Posting):
        return debit_of(posting)

    @admin.display(description="credit")
    def credit(self, posting: Posting):
        return credit_of(posting)

    @admin.display(description="balance after")
    def balance_after_display(self, posting: Posting):
        return money_html(posting.balance_after, posting.currency)


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    change_list_template = "admin/ledger/account/change_list.html"
    list_display = ["code", "type", "currency", "balance_display", "allow_negative", "statement_link"]
    list_filter = ["type", "currency", "allow_negative", ("created", DateRangeFilter)]
    search_fields = ["code", "public_id", "name"]
    ordering = ["code"]
    fields = [
        "public_id",
        "code",
        "name",
        "type",
        "currency",
        "allow_negative",
        "balance_display",
        "created",
        "statement_link",
    ]
    readonly_fields = fields

    def get_changelist_instance(self, request):
        """The page's accounts, each carrying the total over the shards of the account it belongs to
        (one query for the page), for `balance_display`."""
        changelist = super().get_changelist_instance(request)
        accounts = list(changelist.result_list)  # evaluated here; the page renders from this cache
        totals = account_shard_totals(codes=[account.code for account in accounts])
        for account in accounts:
            account.shard_total = totals.get(account_base_code(account.code))
        return changelist

    def get_urls(self):
        from ledger.admin.finance import account_statement_view, trial_balance_view

        wrap = self.admin_site.admin_view
        return [
            path("trial-balance/", wrap(trial_balance_view), name="ledger_trial_balance"),
            path("<int:pk>/statement/", wrap(account_statement_view), name="ledger_account_statement"),
            *super().get_urls(),
        ]

    @admin.display(description="balance (normal side)", ordering="balance")
    def balance_display(self, account: Account):
        """The account's balance. Each shard of a hot system account is its own row, and every one of
        them also shows the summed balance of all shards: the figure that the account stands for."""
        balance = money_html(account.balance, account.currency)
        if not hasattr(account, "shard_total"):  # the change page: no list to have summed
            account.shard_total = account_shard_totals(codes=[account.code]).get(account_base_code(account.code))
        if account.shard_total is None or account.shard_total.shards < 2:
            return balance
        total = money_html(account.shard_total.balance, account.currency)
        return format_html("{} · all {} shards: {}", balance, account.shard_total.shards, total)

    @admin.display(description="statement")
    def statement_link(self, account: Account):
        statement = reverse("admin:ledger_account_statement", args=[account.pk])
        return format_html(
            '<a href="{}">statement</a> · {}',
            statement,
            changelist_link(Posting, "postings", account__id__exact=account.pk),
        )


class PostingInline(PostingColumns, ReadOnlyInline):
    model = Posting
    fields = ["account_link", "debit", "credit", "balance_after_display", "created"]
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")


ENTRY_CSV = [
    ("entry", lambda e: e.public_id),
    ("kind", lambda e: e.kind),
    ("reference", lambda e: e.reference or ""),
    ("description", lambda e: e.description),
    ("created_by", lambda e: e.created_by.email if e.created_by_id else ""),
    ("request_id", lambda e: e.request_id),
    ("created", lambda e: e.created),
]


@admin.register(JournalEntry)
class JournalEntryAdmin(CSVExportMixin, ReadOnlyAdmin):
    list_display = ["public_id", "kind", "source_link", "description", "created", "created_by"]
    list_filter = [("kind", admin.AllValuesFieldListFilter), ("created", DateRangeFilter)]
    search_fields = ["public_id", "reference", "description"]
    list_select_related = ["created_by"]
    inlines = [PostingInline]
    actions = ["reverse_entries"]
    csv_columns = ENTRY_CSV
    fields = [
        "public_id",
        "kind",
        "description",
        "source_link",
        "reverses_link",
        "reversed_by_link",
        "metadata",
        "created_by",
        "request_id",
        "created",
    ]
    readonly_fields = fields

    @admin.display(description="source", ordering="reference")
    def source_link(self, entry: JournalEntry):
        return admin_link(entry.reference) if entry.reference else "-"

    @admin.display(description="reverses")
    def reverses_link(self, entry: JournalEntry):
        return admin_link(entry.reverses) if entry.reverses_id else "-"

    @admin.display(description="reversed by")
    def reversed_by_link(self, entry: JournalEntry):
        reversal = JournalEntry.objects.filter(reverses_id=entry.pk).only("pk", "public_id").first()
        return admin_link(reversal) if reversal else "-"

    def has_reverse_permission(self, request) -> bool:
        """Posting a reversal moves money: only users who may add entries (superusers) may."""
        return request.user.has_perm("ledger.add_journalentry")

    @admin.action(description="Reverse the selected platform-only entries…", permissions=["reverse"])
    def reverse_entries(self, request, queryset):
        """First a confirmation page listing every line that will move; the entries are reversed
        only when it is confirmed. Entries on a wallet account are refused with the reason."""
        entries = list(queryset.order_by("pk"))
        owned = [entry for entry in entries if entry_touches_wallet(entry)]
        if owned:
            names = ", ".join(entry.public_id for entry in owned)
            return refusal(
                request,
                title="Reversal refused",
                reason=f"{names}: {EntryOwnedByWallet.default_message} The generic reversal is only for "
                "entries that touch no wallet account.",
                back_url=reverse("admin:ledger_journalentry_changelist"),
            )
        if request.POST.get("confirm") != "yes":
            return self._confirm_reversal(request, entries)
        request_id, ip = operator_request(request)
        reason = request.POST.get("reason", "").strip()
        for entry in entries:
            try:
                reversal = journal_entry_reverse(
                    entry=entry, actor=request.user, request_id=request_id, ip=ip, reason=reason
                )
            except APIError as error:
                self.message_user(request, f"{entry.public_id}: not reversed: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{entry.public_id}: reversed by {reversal.public_id}.", messages.SUCCESS)
        return None

    def _confirm_reversal(self, request, entries):
        movements = []
        for posting in Posting.objects.filter(entry__in=entries).select_related("account", "entry").order_by("pk"):
            account, amount = posting.account, -posting.amount  # the reversal's line
            change = account.normal_sign * amount
            movements.append(
                money_movement(
                    account=format_html("{} ({})", admin_link(account, account.code), posting.entry.public_id),
                    currency=account.currency,
                    debit=max(amount, 0),
                    credit=max(-amount, 0),
                    before=account.balance,
                    after=account.balance + change,
                )
            )
        hidden = [("action", "reverse_entries")]
        hidden += [(admin.helpers.ACTION_CHECKBOX_NAME, entry.pk) for entry in entries]
        return confirmation(
            request,
            title="Reverse journal entries",
            summary=f"Post a reversing entry for each of {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}: "
            + ", ".join(entry.public_id for entry in entries),
            movements=movements,
            confirm_label="Yes, post the reversals",
            cancel_url=reverse("admin:ledger_journalentry_changelist"),
            hidden=hidden,
            ask_reason=True,
        )


POSTING_CSV = [
    ("posting", lambda p: p.pk),
    ("entry", lambda p: p.entry.public_id),
    ("account", lambda p: p.account.code),
    ("currency", lambda p: p.currency),
    ("debit_minor", lambda p: p.amount if p.amount > 0 else ""),
    ("credit_minor", lambda p: -p.amount if p.amount < 0 else ""),
    ("debit", lambda p: format_amount(p.amount, p.currency) if p.amount > 0 else ""),
    ("credit", lambda p: format_amount(-p.amount, p.currency) if p.amount < 0 else ""),
    ("balance_after_minor", lambda p: p.balance_after),
    ("created", lambda p: p.created),
]


@admin.register(Posting)
class PostingAdmin(PostingColumns, CSVExportMixin, ReadOnlyAdmin):
    list_display = ["id", "entry_link", "account_link", "debit", "credit", "balance_after_display", "created"]
    list_filter = ["currency", ("created", DateRangeFilter)]
    search_fields = ["entry__public_id", "account__code"]
    list_select_related = ["entry", "account"]
    csv_columns = POSTING_CSV
    fields = ["entry_link", "account_link", "debit", "credit", "balance_after_display", "created"]
    readonly_fields = fields

    @admin.display(description="entry")
    def entry_link(self, posting: Posting):
        return admin_link(posting.entry)


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = ["started", "finished", "clean", "checks", "discrepancies", "summary"]
    list_filter = ["clean", ("started", DateRangeFilter)]
