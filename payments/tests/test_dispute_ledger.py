"""The accountant's postings of disputes (docs/ledger.md, "Disputes"), asserted exactly.

Signs as the ledger stores them: + debit, - credit. A 100.00 payment with the 2.9% + 0.30 fee
leaves the wallet 96.80; the dispute takes 100.00 + the 15.00 fee.
"""

import io

import pytest
from django.core.management import call_command

from accounts.tests.factories import UserFactory
from fraud.models import Review
from fraud.services import review_close
from ledger.models import JournalEntry
from payments.models import Dispute
from payments.tests.disputes_support import open_dispute, paid_intent, rule, submit_evidence
from payments.tests.factories import CARDS
from wallets.models import BalanceTransaction
from wallets.services import transfer_create
from wallets.tests.factories import WalletFactory, available_balance, fund

pytestmark = pytest.mark.django_db

NET = 10_000 - 320


def postings(entry: JournalEntry) -> list[tuple[str, int]]:
    return list(entry.postings.order_by("pk").values_list("account__code", "amount"))


def codes(wallet, connector: str = "simulator_a") -> dict[str, str]:
    return {
        "available": f"wallet:{wallet.public_id}:available",
        "owed": f"wallet:{wallet.public_id}:owed",
        "receivable": f"connector:{connector}:receivable:usd",
        "fees": "platform:fees:usd",
    }


def owed(wallet) -> int:
    wallet.refresh_from_db()
    return wallet.owed_account.balance if wallet.owed_account_id else 0


@pytest.fixture
def disputed(auth_client, api_client, user, wallet):
    return open_dispute(api_client, paid_intent(auth_client, user, wallet))


def test_a_withdrawal_the_wallet_covers_debits_it_for_the_amount_and_the_fee(auth_client, api_client, user, wallet):
    fund(wallet, 5_000)
    dispute = open_dispute(api_client, paid_intent(auth_client, user, wallet))
    c = codes(wallet)
    assert postings(dispute.withdrawal_entry) == [
        (c["available"], 10_000),
        (c["available"], 1_500),
        (c["receivable"], -10_000),
        (c["fees"], -1_500),
    ]
    assert dispute.withdrawal_entry.kind == "dispute_withdrawal"


def test_a_withdrawal_beyond_the_wallet_debits_the_rest_to_the_owed_receivable(disputed, wallet):
    c = codes(wallet)
    assert postings(disputed.withdrawal_entry) == [
        (c["available"], NET),
        (c["receivable"], -10_000),
        (c["fees"], -1_500),
        (c["owed"], 11_500 - NET),
    ]
    assert (available_balance(wallet), owed(wallet)) == (0, 1_820)


def test_an_empty_wallet_owes_the_whole_amount_and_fee(auth_client, api_client, user, wallet):
    intent = paid_intent(auth_client, user, wallet)
    other = WalletFactory(currency="usd")
    transfer_create(user=user, source_wallet=wallet.public_id, destination_wallet=other.public_id, amount=NET)
    dispute = open_dispute(api_client, intent)
    c = codes(wallet)
    assert postings(dispute.withdrawal_entry) == [(c["receivable"], -10_000), (c["fees"], -1_500), (c["owed"], 11_500)]
    assert dispute.balance_transaction_ids == []


def test_the_next_payment_repays_the_debt_first_in_its_own_entry(auth_client, user, wallet, disputed):
    intent = paid_intent(auth_client, user, wallet, card=CARDS["visa"], amount=5_000)
    c = codes(wallet)
    fee = 145 + 30
    assert postings(intent.capture_entry) == [
        (c["available"], -5_000),
        (c["available"], fee),
        (c["receivable"], 5_000),
        (c["fees"], -fee),
        (c["available"], 1_820),
        (c["owed"], -1_820),
    ]
    assert (available_balance(wallet), owed(wallet)) == (5_000 - fee - 1_820, 0)
    repayment = BalanceTransaction.objects.filter(wallet=wallet).order_by("pk").last()
    wallet.refresh_from_db()
    assert (repayment.type, repayment.amount, repayment.source) == ("dispute", -1_820, wallet.owed_account.public_id)


def test_money_smaller_than_the_debt_all_goes_to_repay_it(user, wallet, disputed):
    sender = WalletFactory(currency="usd", balance=1_000)
    transfer = transfer_create(
        user=sender.user, source_wallet=sender.public_id, destination_wallet=wallet.public_id, amount=1_000
    )
    c = codes(wallet)
    assert postings(transfer.entry) == [
        (f"wallet:{sender.public_id}:available", 1_000),
        (c["available"], -1_000),
        (c["available"], 1_000),
        (c["owed"], -1_000),
    ]
    assert (available_balance(wallet), owed(wallet)) == (0, 820)


def test_transfers_see_only_what_is_left_after_the_repayment(auth_client, user, wallet, disputed):
    fund(wallet, 2_000)
    assert (available_balance(wallet), owed(wallet)) == (180, 0)
    other = WalletFactory(currency="usd")
    response = auth_client.post(
        "/v1/transfers",
        {"source_wallet": wallet.public_id, "destination_wallet": other.public_id, "amount": 181},
        format="json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "balance_insufficient"


def test_a_payment_released_after_review_repays_the_debt(auth_client, user, wallet, disputed):
    intent = paid_intent(auth_client, user, wallet, card=CARDS["fraud_elevated"])
    assert owed(wallet) == 1_820  # held money (pending) repays nothing
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    review_close(review=Review.objects.get(object_id=intent.public_id), approve=True, actor=staff)
    assert (available_balance(wallet), owed(wallet)) == (NET - 1_820, 0)


def test_a_won_dispute_reinstates_the_amount_and_fee_and_repays_the_debt_first(
    auth_client, api_client, disputed, wallet
):
    submit_evidence(auth_client, disputed, "winning_evidence")
    rule(api_client, disputed)
    disputed.refresh_from_db()
    c = codes(wallet)
    assert postings(disputed.reinstatement_entry) == [
        (c["available"], -10_000),
        (c["available"], -1_500),
        (c["receivable"], 10_000),
        (c["fees"], 1_500),
        (c["available"], 1_820),
        (c["owed"], -1_820),
    ]
    assert disputed.reinstatement_entry.kind == "dispute_reinstatement"
    assert (available_balance(wallet), owed(wallet)) == (NET, 0)


def test_a_lost_dispute_posts_nothing_more(auth_client, api_client, disputed):
    before = JournalEntry.objects.count()
    submit_evidence(auth_client, disputed, "losing_evidence")
    rule(api_client, disputed)
    assert JournalEntry.objects.count() == before


def test_reconcile_ledger_is_clean_after_a_dispute_and_a_repayment(auth_client, user, wallet, disputed):
    paid_intent(auth_client, user, wallet, card=CARDS["visa"], amount=1_000)
    out = io.StringIO()
    call_command("reconcile_ledger", "--format", "json", stdout=out, stderr=io.StringIO())
    assert '"ok": true' in out.getvalue()
    assert "owed_matches_receivable" in out.getvalue()


def test_reconcile_ledger_reports_an_owed_balance_that_disagrees_with_its_disputes(disputed):
    Dispute.objects.filter(pk=disputed.pk).update(amount_owed=1)  # bypass the services on purpose
    with pytest.raises(SystemExit) as exit_info:
        call_command("reconcile_ledger", stdout=io.StringIO(), stderr=io.StringIO())
    assert exit_info.value.code == 1
