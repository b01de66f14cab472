"""The ledger admin: read-only for everyone, links between records, and the audited reverse action."""

import pytest
from django.urls import reverse
from django.utils.text import capfirst

from accounts.models import AuditLogEntry
from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from ledger.models import Account, JournalEntry, Posting
from ledger.services import credit, debit, post_entry, system_account
from payments_platform.tests.admin_pages import page_links, table_rows

pytestmark = pytest.mark.django_db

ACCOUNT_COLUMNS = ["Code", "Type", "Currency", "Balance (normal side)", "Allow negative", "Statement"]
ENTRY_COLUMNS = ["Public id", "Kind", "Source", "Description", "Created", "Created by"]
POSTING_COLUMNS = ["ID", "Entry", "Account", "Debit", "Credit", "Balance after", "Created"]
INLINE_POSTING_COLUMNS = ["Account", "Debit", "Credit", "Balance after", "Created"]
MOVEMENT_COLUMNS = ["account", "debit", "credit", "balance now", "balance after"]


@pytest.fixture
def admin_client(client):
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def transfer(funded_wallet_account, other_wallet_account) -> JournalEntry:
    return post_entry(
        lines=[debit(funded_wallet_account, 700), credit(other_wallet_account, 700)], kind="transfer", reference="tr_9"
    )


@pytest.mark.parametrize("model", [Account, JournalEntry, Posting])
def test_ledger_admins_refuse_add_change_and_delete_even_for_superusers(admin_client, rf, model):
    from django.contrib import admin

    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_the_account_list_shows_each_account_with_its_type_currency_and_balance(admin_client, transfer):
    response = admin_client.get(reverse("admin:ledger_account_changelist"))

    assert response.status_code == 200
    rows = table_rows(response.content, header=ACCOUNT_COLUMNS)
    assert ["wallet:alice:available", "Liability", "usd", "93.00 USD", "", "statement · postings"] in rows
    assert ["wallet:bob:available", "Liability", "usd", "7.00 USD", "", "statement · postings"] in rows
    assert ["platform:adjustments:usd", "Equity", "usd", "-100.00 USD", "", "statement · postings"] in rows


def test_the_journal_entry_list_shows_each_entry_with_its_kind_source_and_description(admin_client, transfer):
    response = admin_client.get(reverse("admin:ledger_journalentry_changelist"))

    assert response.status_code == 200
    rows = {row[0]: row[1:4] for row in table_rows(response.content, header=ENTRY_COLUMNS)}
    assert rows[transfer.public_id] == ["transfer", "tr_9", "-"]
    assert ["adjustment", "-", "test funding"] in rows.values()
    assert len(rows) == 2


def test_the_posting_list_shows_debits_and_credits_in_their_own_columns_with_the_balance_after(admin_client, transfer):
    response = admin_client.get(reverse("admin:ledger_posting_changelist"))

    assert response.status_code == 200
    rows = [row[1:6] for row in table_rows(response.content, header=POSTING_COLUMNS)]
    assert [transfer.public_id, "wallet:bob:available", "-", "7.00 USD", "7.00 USD"] in rows
    assert [transfer.public_id, "wallet:alice:available", "7.00 USD", "-", "93.00 USD"] in rows
    assert len(rows) == 4  # the transfer's two and the funding entry's two


def test_the_posting_list_links_each_posting_to_its_entry_and_its_account(admin_client, transfer):
    links = page_links(admin_client.get(reverse("admin:ledger_posting_changelist")).content)

    alice = transfer.written_postings[0].account_id
    assert (transfer.public_id, reverse("admin:ledger_journalentry_change", args=[transfer.pk])) in links
    assert ("wallet:alice:available", reverse("admin:ledger_account_change", args=[alice])) in links


def test_account_changelist_searches_by_code(admin_client, funded_wallet_account, other_wallet_account):
    response = admin_client.get(reverse("admin:ledger_account_changelist"), {"q": "alice"})

    rows = table_rows(response.content, header=ACCOUNT_COLUMNS)
    assert [row[0] for row in rows] == [funded_wallet_account.code]


def test_account_page_links_to_its_postings_and_its_statement(admin_client, funded_wallet_account):
    response = admin_client.get(reverse("admin:ledger_account_change", args=[funded_wallet_account.pk]))

    links = page_links(response.content)
    assert (
        "postings",
        f"{reverse('admin:ledger_posting_changelist')}?account__id__exact={funded_wallet_account.pk}",
    ) in links
    assert ("statement", reverse("admin:ledger_account_statement", args=[funded_wallet_account.pk])) in links


@pytest.fixture
def correction(db) -> JournalEntry:
    """A platform-only entry (no wallet account): the kind the generic reversal is for."""
    cash = system_account(purpose="platform_cash", currency="usd")
    adjustments = system_account(purpose="adjustments", currency="usd")
    return post_entry(lines=[debit(cash, 1_250), credit(adjustments, 1_250)], kind="adjustment", reference=None)


def _reverse(client, entry, **extra):
    data = {"action": "reverse_entries", "_selected_action": [entry.pk], **extra}
    return client.post(reverse("admin:ledger_journalentry_changelist"), data, follow=True)


def test_reverse_action_first_shows_what_will_move_and_posts_nothing(admin_client, correction):
    page = _reverse(admin_client, correction).content.decode()

    assert "What will move" in page
    assert "platform:platform_cash:usd" in page
    assert "12.50 USD" in page
    assert table_rows(page, header=MOVEMENT_COLUMNS) == [
        [f"platform:platform_cash:usd ({correction.public_id})", "", "12.50 USD", "12.50 USD", "0.00 USD"],
        [f"platform:adjustments:usd ({correction.public_id})", "12.50 USD", "", "12.50 USD", "0.00 USD"],
    ]
    assert not JournalEntry.objects.filter(reverses=correction).exists()


def test_entry_page_shows_postings_and_links_the_reversal(admin_client, correction):
    _reverse(admin_client, correction, confirm="yes")
    reversal = JournalEntry.objects.get(reverses=correction)

    page = admin_client.get(reverse("admin:ledger_journalentry_change", args=[correction.pk])).content.decode()

    assert "platform:adjustments:usd" in page
    assert reversal.public_id in page
    postings = [row[:4] for row in table_rows(page, header=INLINE_POSTING_COLUMNS)]
    assert postings == [
        ["platform:platform_cash:usd", "12.50 USD", "", "12.50 USD"],
        ["platform:adjustments:usd", "", "12.50 USD", "12.50 USD"],
    ]
    assert (reversal.public_id, reverse("admin:ledger_journalentry_change", args=[reversal.pk])) in page_links(page)


def test_confirmed_reversal_posts_it_and_writes_the_audit_log_with_request_id_and_ip(admin_client, correction):
    response = _reverse(admin_client, correction, confirm="yes", reason="duplicate booking")

    reversal = JournalEntry.objects.get(reverses=correction)
    record = AuditLogEntry.objects.get(action="ledger.entry.reversed")
    assert (record.object_id, record.details["reversal"]) == (correction.public_id, reversal.public_id)
    assert record.ip == "127.0.0.1"
    assert record.request_id and record.request_id == reversal.request_id
    assert "reversed by" in response.content.decode()
    assert capfirst(f"{correction.public_id}: reversed by {reversal.public_id}.") in response.content.decode()


def test_reverse_action_reports_an_entry_already_reversed(admin_client, correction):
    _reverse(admin_client, correction, confirm="yes")

    response = _reverse(admin_client, correction, confirm="yes")

    assert "already been reversed" in response.content.decode()
    assert JournalEntry.objects.filter(reverses=correction).count() == 1
    assert AuditLogEntry.objects.filter(action="ledger.entry.reversed").count() == 1


def test_reverse_action_refuses_an_entry_on_a_wallet_account_and_says_why(admin_client, transfer):
    response = _reverse(admin_client, transfer, confirm="yes")

    assert response.status_code == 403
    assert "reverse the transfer, payment or payout" in response.content.decode()
    assert not JournalEntry.objects.filter(reverses=transfer).exists()


def test_reverse_action_is_refused_to_staff_without_permission(client, transfer):
    force_login_verified(client, UserFactory(is_staff=True))

    client.post(
        reverse("admin:ledger_journalentry_changelist"),
        {"action": "reverse_entries", "_selected_action": [transfer.pk]},
    )

    assert not JournalEntry.objects.filter(reverses=transfer).exists()


def test_a_page_refused_to_staff_renders_inside_the_admin_with_a_reason(client):
    force_login_verified(client, UserFactory(is_staff=True))

    response = client.get(reverse("admin:ledger_account_changelist"))

    assert response.status_code == 403
    page = response.content.decode()
    assert 'class="errornote"' in page and "Not allowed" in page
    assert reverse("admin:index") in page
