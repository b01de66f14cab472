"""Settling payouts with the simulated bank: `process_payouts` and `payout_settle_next`."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from ledger.models import JournalEntry, Posting
from ledger.services import system_account
from payments_platform.tests.support import run_in_threads
from wallets.models import BalanceTransaction, Payout
from wallets.services import payout_create, payout_settle_next
from wallets.tests.factories import WalletFactory, available_balance
from webhooks.models import Event

ROUTING = "110000000"


def make_payout(wallet, account_number="000123456789", amount=2_000) -> Payout:
    return payout_create(
        user=wallet.user,
        wallet=wallet.public_id,
        amount=amount,
        account_number=account_number,
        routing_number=ROUTING,
    )


def process(*args) -> str:
    out = StringIO()
    call_command("process_payouts", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_paid_payout_moves_the_money_from_in_transit_to_the_bank(funded_usd_wallet):
    payout = make_payout(funded_usd_wallet)
    in_transit = system_account(purpose="payouts_in_transit", currency="usd")
    cash = system_account(purpose="platform_cash", currency="usd")
    cash_before = cash.balance

    output = process("--all")

    payout.refresh_from_db()
    assert payout.status == "paid"
    assert f"{payout.public_id}: paid" in output
    entry = JournalEntry.objects.get(kind="payout_paid")
    assert payout.settlement_entry == entry
    assert {p.account_id: p.amount for p in Posting.objects.filter(entry=entry)} == {
        in_transit.pk: 2_000,  # debit: the in-transit liability is cleared
        cash.pk: -2_000,  # credit: our cash at the bank falls
    }
    in_transit.refresh_from_db()
    cash.refresh_from_db()
    assert in_transit.balance == 0
    assert cash.balance == cash_before - 2_000
    assert available_balance(funded_usd_wallet) == 8_000


@pytest.mark.django_db
def test_a_paid_payout_records_payout_paid_and_leaves_pending(auth_client, funded_usd_wallet):
    payout = make_payout(funded_usd_wallet)

    process("--all")

    event = Event.objects.get(type="payout.paid")
    assert event.data["object"]["id"] == payout.public_id
    assert event.data["object"]["status"] == "paid"
    balance = auth_client.get(f"/v1/wallets/{funded_usd_wallet.public_id}").json()["data"]["balance"]
    assert balance == {"available": 8_000, "pending": 0, "owed": 0}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("account_number", "code"), [("000111111116", "no_account"), ("000111111113", "account_closed")]
)
def test_a_failed_payout_returns_the_money_to_the_wallet(auth_client, funded_usd_wallet, account_number, code):
    payout = make_payout(funded_usd_wallet, account_number)

    process("--all")

    payout.refresh_from_db()
    assert payout.status == "failed"
    assert payout.failure_code == code
    assert payout.failure_message
    assert available_balance(funded_usd_wallet) == 10_000
    reversal = BalanceTransaction.objects.get(type="payout_reversal")
    assert (reversal.amount, reversal.balance_after, reversal.source) == (2_000, 10_000, payout.public_id)
    assert JournalEntry.objects.get(kind="payout_reversal").reference == payout.public_id
    assert system_account(purpose="payouts_in_transit", currency="usd").balance == 0
    event = Event.objects.get(type="payout.failed")
    assert event.data["object"]["failure_code"] == code
    shown = auth_client.get(f"/v1/payouts/{payout.public_id}").json()["data"]
    assert (shown["status"], shown["failure_code"]) == ("failed", code)


@pytest.mark.django_db
def test_any_other_account_number_is_paid(funded_usd_wallet):
    payout = make_payout(funded_usd_wallet, "4242")

    process("--all")

    payout.refresh_from_db()
    assert payout.status == "paid"


@pytest.mark.django_db
def test_without_all_only_due_payouts_are_settled(funded_usd_wallet):
    due = make_payout(funded_usd_wallet, amount=100)
    Payout.objects.filter(pk=due.pk).update(arrival_date=timezone.now() - timedelta(seconds=1))
    not_due = make_payout(funded_usd_wallet, amount=200)

    output = process()

    due.refresh_from_db()
    not_due.refresh_from_db()
    assert (due.status, not_due.status) == ("paid", "pending")
    assert "1 still pending (not yet due; --all settles them now)" in output


@pytest.mark.django_db
def test_a_settled_payout_is_not_settled_again(funded_usd_wallet):
    make_payout(funded_usd_wallet)
    process("--all")

    assert payout_settle_next(due_by=None) is None
    assert "Settled 0 payout(s)" in process("--all")
    assert JournalEntry.objects.filter(kind="payout_paid").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_processors_settle_each_payout_exactly_once():
    wallets = [WalletFactory(currency="usd", balance=10_000) for _ in range(4)]
    payouts = [
        make_payout(wallet, account_number, 100)
        for wallet in wallets
        for account_number in ("000123456789", "000111111116", "000111111113", "55555")
    ]
    settled: list[str] = []
    lock = threading.Lock()

    def processor(_index: int):
        while (payout := payout_settle_next(due_by=None)) is not None:
            with lock:
                settled.append(payout.public_id)

    run_in_threads(4, processor)

    assert sorted(settled) == sorted(p.public_id for p in payouts)
    assert JournalEntry.objects.filter(kind__in=["payout_paid", "payout_reversal"]).count() == len(payouts)
    assert not Payout.objects.filter(status="pending").exists()
    assert system_account(purpose="payouts_in_transit", currency="usd").balance == 0
    assert [available_balance(wallet) for wallet in wallets] == [10_000 - 200] * 4


@pytest.mark.django_db
def test_a_payout_is_due_payout_delay_seconds_after_it_was_created(funded_usd_wallet, settings):
    settings.PAYOUT_DELAY_SECONDS = 90

    payout = make_payout(funded_usd_wallet)

    assert payout.arrival_date - payout.created == timedelta(seconds=90)


@pytest.mark.django_db
def test_a_payout_with_zero_delay_is_settled_by_the_next_run_without_all(funded_usd_wallet, settings):
    settings.PAYOUT_DELAY_SECONDS = 0
    payout = make_payout(funded_usd_wallet)

    process()

    payout.refresh_from_db()
    assert payout.status == "paid"
