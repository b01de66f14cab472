"""Bad and racing inputs of disputes, with real threads on a real PostgreSQL (transactional tests:
each thread commits on its own connection)."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import AuditLogEntry
from ledger.models import Account, JournalEntry
from payments.models import ConnectorNotification, Dispute, SimulatorNotification
from payments.tests.disputes_support import deliver, notification_for, open_dispute, paid_intent
from payments_platform.tests.support import client_for, run_in_threads
from wallets.services import transfer_create
from wallets.tests.factories import WalletFactory, available_balance, fund

pytestmark = pytest.mark.django_db(transaction=True)


def books_are_clean() -> bool:
    out = io.StringIO()
    try:
        call_command("reconcile_ledger", "--format", "json", stdout=out, stderr=io.StringIO())
    except SystemExit:
        return False
    return '"ok": true' in out.getvalue()


def owed(wallet) -> int:
    wallet.refresh_from_db()
    return wallet.owed_account.balance if wallet.owed_account_id else 0


def test_a_dispute_notification_arriving_twice_at_the_same_moment_opens_one_dispute(user, wallet):
    notification = notification_for(paid_intent(client_for(user), user, wallet))
    answers = []

    def receive(_index: int) -> None:
        response = deliver(APIClient(), notification)
        answers.append((response.status_code, response.json()["data"]["replayed"]))

    run_in_threads(2, receive)

    assert sorted(answers) == [(200, False), (200, True)]
    assert Dispute.objects.count() == 1
    assert ConnectorNotification.objects.count() == 1
    assert JournalEntry.objects.filter(kind="dispute_withdrawal").count() == 1
    assert books_are_clean()


def test_a_refund_racing_a_dispute_moves_the_money_once(user, wallet):
    client = client_for(user)
    intent = paid_intent(client, user, wallet)
    fund(wallet, 320)  # the platform fee: a full refund takes the whole 100.00 from the wallet
    notification = notification_for(intent)
    results = {}

    def act(index: int) -> None:
        if index == 0:
            response = client_for(user).post("/v1/refunds", {"payment_intent": intent.public_id}, format="json")
            results["refund"] = (response.status_code, (response.json()["error"] or {}).get("code"))
        else:
            results["notification"] = deliver(APIClient(), notification).status_code

    run_in_threads(2, act)

    dispute = Dispute.objects.get()
    assert results["notification"] == 200
    if results["refund"] == (201, None):  # the refund won the intent's lock: nothing left to withdraw
        assert dispute.withdrawal_entry_id is None and dispute.operator_note
    else:
        assert results["refund"] == (400, "charge_disputed")
        assert dispute.withdrawal_entry_id is not None and not intent.refunds.exists()
    assert available_balance(wallet) >= 0
    assert books_are_clean()


def test_evidence_submitted_twice_at_once_is_submitted_once(user, wallet):
    client = client_for(user)
    dispute = open_dispute(APIClient(), paid_intent(client, user, wallet))
    answers = Counter()

    def submit(_index: int) -> None:
        response = client_for(user).post(
            f"/v1/disputes/{dispute.public_id}",
            {"evidence": {"uncategorized_text": "winning_evidence"}, "submit": True},
            format="json",
        )
        answers[(response.status_code, (response.json()["error"] or {}).get("code"))] += 1

    run_in_threads(2, submit)

    assert answers == {(200, None): 1, (400, "dispute_already_submitted"): 1}
    dispute.refresh_from_db()
    assert (dispute.submission_count, dispute.status) == (1, "under_review")
    assert SimulatorNotification.objects.filter(type="dispute.closed").count() == 1


def test_a_dispute_of_a_fully_refunded_payment_is_recorded_moves_no_money_and_tells_operators(user, wallet):
    client = client_for(user)
    intent = paid_intent(client, user, wallet)
    fund(wallet, 320)
    assert client.post("/v1/refunds", {"payment_intent": intent.public_id}, format="json").status_code == 201
    entries = JournalEntry.objects.count()

    dispute = open_dispute(APIClient(), intent)

    assert dispute.withdrawal_entry_id is None and dispute.balance_transaction_ids == []
    assert "already fully refunded" in dispute.operator_note
    assert JournalEntry.objects.count() == entries
    assert AuditLogEntry.objects.filter(action="dispute.needs_operator", object_id=dispute.public_id).exists()
    assert owed(wallet) == 0


def test_transfers_racing_a_dispute_withdrawal_leave_no_debt_beside_money(user, wallet):
    intent = paid_intent(client_for(user), user, wallet)
    notification = notification_for(intent)
    senders = [WalletFactory(currency="usd", balance=3_000) for _ in range(6)]

    def act(index: int) -> None:
        if index == len(senders):
            deliver(APIClient(), notification)
            return
        sender = senders[index]
        transfer_create(
            user=sender.user, source_wallet=sender.public_id, destination_wallet=wallet.public_id, amount=500
        )

    run_in_threads(len(senders) + 1, act)

    available, debt = available_balance(wallet), owed(wallet)
    assert available >= 0 and debt >= 0
    assert available == 0 or debt == 0  # the debt is always repaid before money stays in the wallet
    assert available - debt == (10_000 - 320) + 6 * 500 - 11_500
    assert not Account.objects.filter(allow_negative=False, balance__lt=0).exists()
    assert books_are_clean()
