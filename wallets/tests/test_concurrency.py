"""Transfers under real concurrency, on real PostgreSQL (threads, each with its own connection).

These use transactional test cases (`transaction=True`): every request commits for real, so the
row locks, the unique idempotency index and the database guards are what is being tested.
"""

import random
import threading
import time
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from fraud.pipeline.velocity import velocity_read
from ledger.models import Account, JournalEntry
from payments_platform.tests.support import bearer, run_in_threads
from wallets.models import BalanceTransaction, Transfer
from wallets.tests.factories import WalletFactory, available_balance, pending_balance

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_simultaneous_transfers_of_10_from_a_wallet_of_100_exactly_ten_succeed():
    source = WalletFactory(currency="usd", balance=100)
    destination = WalletFactory(currency="usd")
    body = {"source_wallet": source.public_id, "destination_wallet": destination.public_id, "amount": 10}
    token = bearer(source.user)
    results: list[tuple[int, str | None]] = []
    lock = threading.Lock()

    def send(_index: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=token)
        response = client.post("/v1/transfers", body, format="json")
        error = response.json()["error"]
        with lock:
            results.append((response.status_code, error and error["code"]))

    run_in_threads(20, send)

    assert Counter(results) == {(201, None): 10, (400, "balance_insufficient"): 10}
    assert available_balance(source) == 0
    assert available_balance(destination) == 100
    assert Transfer.objects.count() == JournalEntry.objects.filter(kind="transfer").count() == 10


def test_random_transfers_among_ten_wallets_from_sixteen_threads_keep_the_books_exact():
    wallets = [WalletFactory(currency="usd", balance=5_000) for _ in range(10)]
    tokens = {wallet.public_id: bearer(wallet.user) for wallet in wallets}
    total_before = sum(available_balance(wallet) for wallet in wallets)
    assert sum(pending_balance(wallet) for wallet in wallets) == 0
    succeeded: dict[str, dict] = {}
    statuses: Counter = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + 3.0

    def trader(index: int) -> None:
        rng = random.Random(index)
        clients = {}
        while time.monotonic() < deadline:
            source, destination = rng.sample(wallets, 2)
            client = clients.get(source.public_id)
            if client is None:
                client = clients[source.public_id] = APIClient()
                client.credentials(HTTP_AUTHORIZATION=tokens[source.public_id])
            body = {
                "source_wallet": source.public_id,
                "destination_wallet": destination.public_id,
                "amount": rng.randint(1, 2_500),
            }
            response = client.post("/v1/transfers", body, format="json")
            payload = response.json()
            with lock:
                statuses[(response.status_code, payload["error"] and payload["error"]["code"])] += 1
                if response.status_code == 201:
                    succeeded[payload["data"]["id"]] = payload["data"]

    run_in_threads(16, trader)

    # Fraud screening may block a burst (nothing written) or hold a transfer for review (the
    # amount waits in the recipient's pending account): both keep the books exact.
    assert set(statuses) <= {(201, None), (400, "balance_insufficient"), (400, "blocked_by_fraud_screening")}
    assert statuses[(201, None)] > 50
    # No wallet below zero, and not a cent created or lost.
    balances = [available_balance(wallet) for wallet in wallets]
    assert min(balances) >= 0
    assert sum(balances) + sum(pending_balance(wallet) for wallet in wallets) == total_before
    assert not Account.objects.filter(allow_negative=False, balance__lt=0).exists()
    # Every 201 is exactly one transfer entry with the same amount and wallets, and vice versa.
    entries = {entry.reference: entry for entry in JournalEntry.objects.filter(kind="transfer")}
    assert set(entries) == set(succeeded)
    for transfer in Transfer.objects.select_related("source_wallet", "destination_wallet"):
        shown = succeeded[transfer.public_id]
        assert (shown["amount"], shown["source_wallet"], shown["destination_wallet"]) == (
            transfer.amount,
            transfer.source_wallet.public_id,
            transfer.destination_wallet.public_id,
        )
        assert transfer.entry_id == entries[transfer.public_id].pk
    # Each statement's running balance is exact: every balance_after follows from the one before.
    for wallet in wallets:
        running = 0
        for amount, balance_after in (
            BalanceTransaction.objects.filter(wallet=wallet).order_by("pk").values_list("amount", "balance_after")
        ):
            running += amount
            assert balance_after == running
        assert running == available_balance(wallet)
    out = StringIO()
    call_command("reconcile_ledger", stdout=out, stderr=StringIO())  # exits 1 (SystemExit) when not clean
    assert "FAILED" not in out.getvalue()


def test_ten_simultaneous_requests_with_the_same_idempotency_key_have_one_effect():
    source = WalletFactory(currency="usd", balance=1_000)
    destination = WalletFactory(currency="usd")
    body = {"source_wallet": source.public_id, "destination_wallet": destination.public_id, "amount": 100}
    token = bearer(source.user)
    responses = []
    lock = threading.Lock()

    def send(_index: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=token)
        response = client.post("/v1/transfers", body, format="json", headers={"Idempotency-Key": "same-key"})
        with lock:
            responses.append(response)

    run_in_threads(10, send)

    assert Transfer.objects.count() == 1
    assert JournalEntry.objects.filter(kind="transfer").count() == 1
    assert available_balance(source) == 900
    transfer_id = Transfer.objects.get().public_id
    for response in responses:
        if response.status_code == 201:
            assert response.json()["data"]["id"] == transfer_id
        else:
            assert response.status_code == 409
            assert response.json()["error"]["code"] == "idempotency_key_in_use"
    assert sum(response.status_code == 201 for response in responses) >= 1


def test_ten_simultaneous_transfers_are_each_counted_once_in_the_senders_velocity():
    source = WalletFactory(currency="usd", balance=10_000)
    destination = WalletFactory(currency="usd")
    body = {"source_wallet": source.public_id, "destination_wallet": destination.public_id, "amount": 100}
    token = bearer(source.user)
    codes: list[int] = []
    lock = threading.Lock()

    def send(_index: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=token)
        response = client.post("/v1/transfers", body, format="json")
        with lock:
            codes.append(response.status_code)

    run_in_threads(10, send)

    snapshot = velocity_read(user_id=source.user_id, card_fingerprint=None, ip="127.0.0.1")
    assert len(codes) == 10
    assert snapshot.counters["user_attempts_1m"] == 10
    assert snapshot.counters["ip_attempts_1m"] == 10
    assert snapshot.counters["user_amount_usd_1m"] == 10.0
