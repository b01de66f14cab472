"""The ledger admin: read-only for everyone, links between records, and the audited reverse action."""

import pytest
from django.urls import reverse

from accounts.models import AuditLogEntry
from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from ledger.models import Account, JournalEntry, Posting
from ledger.services import credit, debit, post_entry, system_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def transfer(funded_wallet, other_wallet) -> JournalEntry:
    return post_entry(lines=[debit(funded_wallet, 700), credit(other_wallet, 700)], kind="transfer", reference="tr_9")


@pytest.mark.parametrize("model", [Account, JournalEntry, Posting])
def test_ledger_admins_refuse_add_change_and_delete_even_for_superusers(admin_client, rf, model):
    from django.contrib import admin

    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.mark.parametrize("name", ["account", "journalentry", "posting"])
def test_ledger_changelists_render(admin_client, transfer, name):
    response = admin_client.get(reverse(f"admin:ledger_{name}_changelist"))

    assert response.status_code == 200


def test_account_changelist_searches_by_code(admin_client, funded_wallet):
    response = admin_client.get(reverse("admin:ledger_account_changelist"), {"q": "alice"})

    assert funded_wallet.code in response.content.decode()


def test_account_page_links_to_its_postings(admin_client, funded_wallet):
    response = admin_client.get(reverse("admin:ledger_account_change", args=[funded_wallet.pk]))

    assert f"?account__id__exact={funded_wallet.pk}" in response.content.decode()


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
    assert not JournalEntry.objects.filter(reverses=correction).exists()


def test_entry_page_shows_postings_and_links_the_reversal(admin_client, correction):
    _reverse(admin_client, correction, confirm="yes")
    reversal = JournalEntry.objects.get(reverses=correction)

    page = admin_client.get(reverse("admin:ledger_journalentry_change", args=[correction.pk])).content.decode()

    assert "platform:adjustments:usd" in page
    assert reversal.public_id in page


def test_confirmed_reversal_posts_it_and_writes_the_audit_log_with_request_id_and_ip(admin_client, correction):
    response = _reverse(admin_client, correction, confirm="yes", reason="duplicate booking")

    reversal = JournalEntry.objects.get(reverses=correction)
    record = AuditLogEntry.objects.get(action="ledger.entry.reversed")
    assert (record.object_id, record.details["reversal"]) == (correction.public_id, reversal.public_id)
    assert record.ip == "127.0.0.1"
    assert record.request_id and record.request_id == reversal.request_id
    assert "reversed by" in response.content.decode()


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
