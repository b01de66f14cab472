"""transfer_reverse and the admin's "Reverse transfer" page: every record says the transfer was reversed."""

import pytest
from django.core.management import call_command
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import AuditLogEntry
from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from ledger.errors import InsufficientFunds
from ledger.models import JournalEntry
from payments_platform.api.errors import Conflict
from wallets.models import BalanceTransaction, Transfer
from wallets.services import transfer_create, transfer_reverse
from wallets.tests.factories import TransferFactory, available_balance
from webhooks.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def transfer(funded_usd_wallet, other_user_wallet) -> Transfer:
    return TransferFactory(source_wallet=funded_usd_wallet, destination_wallet=other_user_wallet, amount=2_500)


@pytest.fixture
def admin_client(client, operator):
    force_login_verified(client, operator)
    return client


def test_reversal_returns_the_money_to_the_sender(transfer, funded_usd_wallet, other_user_wallet, operator):
    transfer_reverse(transfer=transfer, actor=operator)

    assert (available_balance(funded_usd_wallet), available_balance(other_user_wallet)) == (10_000, 0)


def test_reversal_writes_a_statement_line_on_each_wallet(transfer, funded_usd_wallet, other_user_wallet, operator):
    transfer_reverse(transfer=transfer, actor=operator)

    lines = BalanceTransaction.objects.filter(source=transfer.public_id).order_by("pk")
    assert [(line.wallet_id, line.type, line.amount) for line in lines] == [
        (funded_usd_wallet.pk, "transfer_out", -2_500),
        (other_user_wallet.pk, "transfer_in", 2_500),
        (other_user_wallet.pk, "transfer_out", -2_500),
        (funded_usd_wallet.pk, "transfer_in", 2_500),
    ]
    assert lines.last().balance_after == 10_000


def test_reversal_marks_the_transfer_reversed_in_the_api(transfer, funded_usd_wallet, operator, client):
    transfer_reverse(transfer=transfer, actor=operator)

    token = AccessToken.for_user(funded_usd_wallet.user)
    body = client.get(f"/v1/transfers/{transfer.public_id}", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["data"]["status"] == "reversed"


def test_reversal_records_transfer_reversed_for_both_parties(transfer, funded_usd_wallet, other_user_wallet, operator):
    transfer_reverse(transfer=transfer, actor=operator, request_id="req-op-1")

    events = Event.objects.filter(type="transfer.reversed")
    assert {event.user_id for event in events} == {funded_usd_wallet.user_id, other_user_wallet.user_id}
    assert {event.data["object"]["status"] for event in events} == {"reversed"}


def test_reversal_entry_carries_the_operator_and_reverses_the_transfer_entry(transfer, operator):
    transfer_reverse(transfer=transfer, actor=operator, request_id="req-op-2", ip="10.0.0.7")

    entry = JournalEntry.objects.get(kind="transfer_reversal")
    assert (entry.reverses_id, entry.reference) == (transfer.entry_id, transfer.public_id)
    assert (entry.created_by, entry.request_id) == (operator, "req-op-2")
    audit = AuditLogEntry.objects.get(action="wallet.transfer.reversed")
    assert (audit.actor, audit.request_id, audit.ip, audit.details["entry"]) == (
        operator,
        "req-op-2",
        "10.0.0.7",
        entry.public_id,
    )


def test_reversing_twice_fails_with_nothing_written(transfer, operator):
    transfer_reverse(transfer=transfer, actor=operator)
    entries = JournalEntry.objects.count()

    with pytest.raises(Conflict) as raised:
        transfer_reverse(transfer=transfer, actor=operator)

    assert raised.value.code == "transfer_already_reversed"
    assert JournalEntry.objects.count() == entries


def test_reversal_fails_when_the_recipient_spent_the_money(transfer, other_user_wallet, funded_usd_wallet, operator):
    transfer_create(
        user=other_user_wallet.user,
        source_wallet=other_user_wallet.public_id,
        destination_wallet=funded_usd_wallet.public_id,
        amount=2_000,
    )

    with pytest.raises(InsufficientFunds):
        transfer_reverse(transfer=transfer, actor=operator)

    transfer.refresh_from_db()
    assert transfer.status == "succeeded"
    assert not AuditLogEntry.objects.filter(action="wallet.transfer.reversed").exists()
    assert not Event.objects.filter(type="transfer.reversed").exists()


def test_books_and_statements_reconcile_after_a_reversal(transfer, operator):
    transfer_reverse(transfer=transfer, actor=operator)

    call_command("reconcile_ledger")  # exits 1 (SystemExit) on any discrepancy


# --- the admin page ---------------------------------------------------------------------------


def test_reverse_page_shows_what_will_move_and_moves_nothing(
    admin_client, transfer, funded_usd_wallet, other_user_wallet
):
    page = admin_client.get(f"/admin/wallets/transfer/{transfer.pk}/reverse/").content.decode()

    assert "What will move" in page
    assert "25.00 USD" in page
    assert other_user_wallet.public_id in page and funded_usd_wallet.public_id in page
    assert "Yes, reverse the transfer" in page
    transfer.refresh_from_db()
    assert transfer.status == "succeeded"


def test_confirming_the_reverse_page_reverses_with_the_operators_request_id_and_ip(admin_client, transfer):
    response = admin_client.post(
        f"/admin/wallets/transfer/{transfer.pk}/reverse/",
        {"confirm": "yes", "reason": "sent by mistake"},
        HTTP_X_REQUEST_ID="op-req-42",
        follow=True,
    )

    transfer.refresh_from_db()
    assert transfer.status == "reversed"
    assert "reversed" in response.content.decode()
    entry = JournalEntry.objects.get(kind="transfer_reversal")
    audit = AuditLogEntry.objects.get(action="wallet.transfer.reversed")
    assert entry.request_id == audit.request_id == "op-req-42"
    assert audit.ip == "127.0.0.1"
    assert audit.details["reason"] == "sent by mistake"


def test_reverse_page_of_a_reversed_transfer_says_why_it_cannot(admin_client, transfer, operator):
    transfer_reverse(transfer=transfer, actor=operator)

    response = admin_client.get(f"/admin/wallets/transfer/{transfer.pk}/reverse/")

    assert response.status_code == 409
    assert "already reversed" in response.content.decode()


def test_reverse_page_is_refused_inside_the_admin_to_staff_without_permission(client, transfer):
    staff = UserFactory(is_staff=True)
    force_login_verified(client, staff)

    response = client.post(f"/admin/wallets/transfer/{transfer.pk}/reverse/", {"confirm": "yes"})

    assert response.status_code == 403
    assert "permission to change transfers" in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == "succeeded"
