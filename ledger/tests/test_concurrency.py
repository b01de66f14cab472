"""post_entry under real concurrency: real threads, real PostgreSQL, real row locks.

These use transactional test cases (`transaction=True`) because each thread has its own
database connection and must see the others' commits; each thread closes its connection.
"""

import random
import threading

import pytest

from ledger.errors import AlreadyReversed, InsufficientFunds
from ledger.models import Account, JournalEntry
from ledger.reconciliation import reconcile
from ledger.services import credit, debit, post_entry, reverse_entry
from ledger.tests.factories import AccountFactory
from ledger.tests.support import fund
from payments_platform.tests.support import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_random_transfers_conserve_money_and_never_overdraw():
    wallets = [AccountFactory() for _ in range(4)]
    for wallet in wallets:
        fund(wallet, 1_000)
    outcomes = {"posted": 0, "refused": 0}
    lock = threading.Lock()

    def transfer_randomly(index: int) -> None:
        rng = random.Random(index)
        for _ in range(25):
            source, target = rng.sample(wallets, 2)
            amount = rng.randint(1, 700)  # often more than the source holds
            try:
                post_entry(lines=[debit(source.pk, amount), credit(target.pk, amount)], kind="transfer")
                outcome = "posted"
            except InsufficientFunds:
                outcome = "refused"
            with lock:
                outcomes[outcome] += 1

    errors = run_in_threads(8, transfer_randomly, return_errors=True)

    assert errors == []
    balances = list(Account.objects.filter(pk__in=[w.pk for w in wallets]).values_list("balance", flat=True))
    assert all(balance >= 0 for balance in balances)
    assert sum(balances) == 4_000
    assert outcomes["posted"] > 0
    assert outcomes["refused"] > 0
    assert all(result.ok for result in reconcile())


def test_two_threads_locking_the_same_pair_in_opposite_order_do_not_deadlock():
    alice, bob = AccountFactory(), AccountFactory()
    fund(alice, 100_000)
    fund(bob, 100_000)

    def ping_pong(index: int) -> None:
        source, target = (alice, bob) if index == 0 else (bob, alice)
        for _ in range(100):
            # the source line first: without primary-key ordering the two threads would lock
            # the pair in opposite orders and PostgreSQL would abort one with a deadlock.
            post_entry(lines=[debit(source, 1), credit(target, 1)], kind="transfer")

    errors = run_in_threads(2, ping_pong, return_errors=True)

    assert errors == []
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.balance, bob.balance) == (100_000, 100_000)


def test_concurrent_reversals_of_one_entry_post_exactly_one():
    alice, bob = AccountFactory(), AccountFactory()
    fund(alice, 1_000)
    entry = post_entry(lines=[debit(alice, 400), credit(bob, 400)], kind="transfer")
    refused = []

    def reverse(index: int) -> None:
        try:
            reverse_entry(entry=JournalEntry.objects.get(pk=entry.pk))
        except AlreadyReversed:
            refused.append(index)

    errors = run_in_threads(6, reverse, return_errors=True)

    assert errors == []
    assert JournalEntry.objects.filter(reverses=entry).count() == 1
    assert len(refused) == 5
    alice.refresh_from_db()
    assert alice.balance == 1_000
