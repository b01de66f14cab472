"""The wallets context's business counters: transfers by outcome, payouts, counted only after commit."""

import pytest
from django.db import transaction
from prometheus_client import REGISTRY

from fraud.services import rule_create
from wallets.services import transfer_create
from wallets.tests.factories import WalletFactory


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def send(client, source, destination, amount=1_000, headers=None):
    body = {"source_wallet": source.public_id, "destination_wallet": destination.public_id, "amount": amount}
    return client.post("/v1/transfers", body, format="json", headers=headers)


@pytest.mark.django_db
def test_a_committed_transfer_is_counted_by_its_outcome(
    auth_client, funded_usd_wallet, other_user_wallet, django_capture_on_commit_callbacks
):
    before = sample("payments_transfers_total", outcome="authorized")

    with django_capture_on_commit_callbacks(execute=True):
        assert send(auth_client, funded_usd_wallet, other_user_wallet).status_code == 201

    assert sample("payments_transfers_total", outcome="authorized") == before + 1


@pytest.mark.django_db
def test_a_transfer_is_not_counted_before_its_transaction_commits(
    auth_client, funded_usd_wallet, other_user_wallet, django_capture_on_commit_callbacks
):
    before = sample("payments_transfers_total", outcome="authorized")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send(auth_client, funded_usd_wallet, other_user_wallet)

    assert callbacks
    assert sample("payments_transfers_total", outcome="authorized") == before


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transfer_is_not_counted(user, other_user):
    source = WalletFactory(user=user, currency="usd", balance=10_000)
    destination = WalletFactory(user=other_user, currency="usd")
    before = sample("payments_transfers_total", outcome="authorized")

    with pytest.raises(RuntimeError), transaction.atomic():
        transfer_create(user=user, source_wallet=source.public_id, destination_wallet=destination.public_id, amount=100)
        raise RuntimeError("the caller's transaction fails after the transfer")

    assert sample("payments_transfers_total", outcome="authorized") == before


@pytest.mark.django_db(transaction=True)
def test_a_transfer_refused_for_insufficient_funds_is_counted_as_insufficient_funds(user, other_user):
    source = WalletFactory(user=user, currency="usd", balance=100)
    destination = WalletFactory(user=other_user, currency="usd")
    before = sample("payments_transfers_total", outcome="insufficient_funds")

    with pytest.raises(Exception, match="nsufficient"):
        transfer_create(user=user, source_wallet=source.public_id, destination_wallet=destination.public_id, amount=500)

    assert sample("payments_transfers_total", outcome="insufficient_funds") == before + 1


@pytest.mark.django_db
def test_a_transfer_blocked_by_fraud_screening_is_counted_as_blocked(
    auth_client, funded_usd_wallet, other_user_wallet, django_capture_on_commit_callbacks
):
    rule_create(name="block-over-50", expression="block if :amount_usd: > 50")
    before = sample("payments_transfers_total", outcome="blocked")

    with django_capture_on_commit_callbacks(execute=True):
        assert send(auth_client, funded_usd_wallet, other_user_wallet, amount=6_000).status_code == 400

    assert sample("payments_transfers_total", outcome="blocked") == before + 1


@pytest.mark.django_db
def test_every_fraud_decision_is_counted_by_operation_and_outcome(
    auth_client, funded_usd_wallet, other_user_wallet, django_capture_on_commit_callbacks
):
    before = sample("payments_fraud_decisions_total", operation="transfer", outcome="authorized")

    with django_capture_on_commit_callbacks(execute=True):
        send(auth_client, funded_usd_wallet, other_user_wallet)

    assert sample("payments_fraud_decisions_total", operation="transfer", outcome="authorized") == before + 1


@pytest.mark.django_db
def test_an_idempotent_replay_is_counted(
    auth_client, funded_usd_wallet, other_user_wallet, django_capture_on_commit_callbacks
):
    headers = {"Idempotency-Key": "metrics-replay-1"}
    with django_capture_on_commit_callbacks(execute=True):
        send(auth_client, funded_usd_wallet, other_user_wallet, headers=headers)
    before = sample("payments_idempotent_replays_total")

    replay = send(auth_client, funded_usd_wallet, other_user_wallet, headers=headers)

    assert replay["Idempotent-Replayed"] == "true"
    assert sample("payments_idempotent_replays_total") == before + 1


@pytest.mark.django_db
def test_a_payout_is_counted_by_the_status_it_reaches(
    auth_client, funded_usd_wallet, django_capture_on_commit_callbacks
):
    before = sample("payments_payouts_total", status="pending")

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(
            "/v1/payouts",
            {
                "wallet": funded_usd_wallet.public_id,
                "amount": 500,
                "destination": {"account_number": "000123456789", "routing_number": "110000000"},
            },
            format="json",
        )

    assert response.status_code == 201, response.json()
    assert sample("payments_payouts_total", status=response.json()["data"]["status"]) == before + 1
