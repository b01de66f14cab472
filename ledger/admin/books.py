"""Operators' read-only views of the books, and the one write they may make: a reversal.

Every ledger admin refuses add, change and delete, for superusers too (`ReadOnlyAdmin`); the
database refuses UPDATE and DELETE of entries and postings anyway.
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from ledger.models import Account, JournalEntry, Posting
from ledger.services import journal_entry_reverse
from payments_platform.admin import ReadOnlyAdmin, ReadOnlyInline
from payments_platform.api.errors import APIError


def _link(model: str, pk: int, text: str) -> str:
    return format_html('<a href="{}">{}</a>', reverse(f"admin:ledger_{model}_change", args=[pk]), text)


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "type", "currency", "balance", "allow_negative", "public_id", "postings_link"]
    list_filter = ["type", "currency", "allow_negative"]
    search_fields = ["code", "public_id", "name"]
    ordering = ["code"]
    fields = ["public_id", "code", "name", "type", "currency", "allow_negative", "balance", "created", "postings_link"]
    readonly_fields = fields

    @admin.display(description="postings")
    def postings_link(self, account: Account) -> str:
        url = reverse("admin:ledger_posting_changelist") + f"?account__id__exact={account.pk}"
        return format_html('<a href="{}">statement</a>', url)


class PostingInline(ReadOnlyInline):
    model = Posting
    fields = ["account_link", "amount", "currency", "balance_after", "created"]
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")

    @admin.display(description="account")
    def account_link(self, posting: Posting) -> str:
        return _link("account", posting.account_id, posting.account.code)


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "kind", "description", "reference", "created", "created_by"]
    list_filter = ["kind"]
    search_fields = ["public_id", "reference", "description"]
    date_hierarchy = "created"
    list_select_related = ["created_by"]
    inlines = [PostingInline]
    actions = ["reverse_entries"]
    fields = [
        "public_id",
        "kind",
        "description",
        "reference",
        "reverses_link",
        "reversed_by_link",
        "metadata",
        "created_by",
        "request_id",
        "created",
    ]
    readonly_fields = fields

    @admin.display(description="reverses")
    def reverses_link(self, entry: JournalEntry) -> str:
        return _link("journalentry", entry.reverses_id, entry.reverses.public_id) if entry.reverses_id else "-"

    @admin.display(description="reversed by")
    def reversed_by_link(self, entry: JournalEntry) -> str:
        reversal = JournalEntry.objects.filter(reverses_id=entry.pk).only("pk", "public_id").first()
        return _link("journalentry", reversal.pk, reversal.public_id) if reversal else "-"

    def has_reverse_permission(self, request) -> bool:
        """Posting a reversal moves money: only users who may add entries (superusers) may."""
        return request.user.has_perm("ledger.add_journalentry")

    @admin.action(description="Reverse the selected entries (posts a reversing entry each)", permissions=["reverse"])
    def reverse_entries(self, request, queryset) -> None:
        ip = request.META.get("REMOTE_ADDR")
        request_id = getattr(request, "request_id", "")
        for entry in queryset.order_by("pk"):
            try:
                reversal = journal_entry_reverse(entry=entry, actor=request.user, request_id=request_id, ip=ip)
            except APIError as error:
                self.message_user(request, f"{entry.public_id}: not reversed: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{entry.public_id}: reversed by {reversal.public_id}.", messages.SUCCESS)


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ["id", "entry_link", "account_link", "amount", "currency", "balance_after", "created"]
    list_filter = ["currency"]
    search_fields = ["entry__public_id", "account__code"]
    list_select_related = ["entry", "account"]
    date_hierarchy = "created"
    fields = ["entry_link", "account_link", "amount", "currency", "balance_after", "created"]
    readonly_fields = fields

    @admin.display(description="entry")
    def entry_link(self, posting: Posting) -> str:
        return _link("journalentry", posting.entry_id, posting.entry.public_id)

    @admin.display(description="account")
    def account_link(self, posting: Posting) -> str:
        return _link("account", posting.account_id, posting.account.code)
