"""The ledger admin: read-only for everyone, links between records, and the audited reverse action."""

import pytest
from django.urls import reverse

from accounts.models import AuditLogEntry
from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from ledger.models import Account, JournalEntry, Posting
from ledger.services import credit, debit, post_entry

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


def test_entry_page_shows_postings_and_links_the_reversal(admin_client, transfer, funded_wallet):
    admin_client.post(
        reverse("admin:ledger_journalentry_changelist"),
        {"action": "reverse_entries", "_selected_action": [transfer.pk]},
    )
    reversal = JournalEntry.objects.get(reverses=transfer)

    page = admin_client.get(reverse("admin:ledger_journalentry_change", args=[transfer.pk])).content.decode()

    assert funded_wallet.code in page
    assert reversal.public_id in page


def test_reverse_action_posts_a_reversal_and_writes_the_audit_log(admin_client, transfer, funded_wallet):
    response = admin_client.post(
        reverse("admin:ledger_journalentry_changelist"),
        {"action": "reverse_entries", "_selected_action": [transfer.pk]},
        follow=True,
    )

    reversal = JournalEntry.objects.get(reverses=transfer)
    funded_wallet.refresh_from_db()
    assert funded_wallet.balance == 10_000
    record = AuditLogEntry.objects.get(action="ledger.entry.reversed")
    assert (record.object_id, record.details["reversal"]) == (transfer.public_id, reversal.public_id)
    assert "reversed by" in response.content.decode()


def test_reverse_action_reports_an_entry_already_reversed(admin_client, transfer):
    url = reverse("admin:ledger_journalentry_changelist")
    admin_client.post(url, {"action": "reverse_entries", "_selected_action": [transfer.pk]})

    response = admin_client.post(url, {"action": "reverse_entries", "_selected_action": [transfer.pk]}, follow=True)

    assert "already been reversed" in response.content.decode()
    assert JournalEntry.objects.filter(reverses=transfer).count() == 1
    assert AuditLogEntry.objects.filter(action="ledger.entry.reversed").count() == 1


def test_reverse_action_is_refused_to_staff_without_permission(client, transfer):
    force_login_verified(client, UserFactory(is_staff=True))

    client.post(
        reverse("admin:ledger_journalentry_changelist"),
        {"action": "reverse_entries", "_selected_action": [transfer.pk]},
    )

    assert not JournalEntry.objects.filter(reverses=transfer).exists()
