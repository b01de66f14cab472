"""Idempotency-Key on every POST of the wallets API: a replay has no second effect."""

import pytest

from ledger.models import JournalEntry
from wallets.models import Payout, Transfer, Wallet
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def post(client, path, body, key):
    return client.post(path, body, format="json", headers={"Idempotency-Key": key})


def test_wallet_create_replays_without_a_second_wallet(auth_client, user):
    first = post(auth_client, "/v1/wallets", {"currency": "usd"}, "wallet-1")
    second = post(auth_client, "/v1/wallets", {"currency": "usd"}, "wallet-1")

    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["data"] == first.json()["data"]
    assert Wallet.objects.filter(user=user).count() == 1


def test_transfer_replays_without_a_second_effect(auth_client, funded_usd_wallet, other_user_wallet):
    body = {
        "source_wallet": funded_usd_wallet.public_id,
        "destination_wallet": other_user_wallet.public_id,
        "amount": 700,
    }

    first = post(auth_client, "/v1/transfers", body, "transfer-1")
    second = post(auth_client, "/v1/transfers", body, "transfer-1")

    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["data"] == first.json()["data"]
    assert Transfer.objects.count() == 1
    assert JournalEntry.objects.filter(kind="transfer").count() == 1
    assert Event.objects.filter(type="transfer.created").count() == 2


def test_transfer_key_reused_with_another_body_is_400(auth_client, funded_usd_wallet, other_user_wallet):
    body = {
        "source_wallet": funded_usd_wallet.public_id,
        "destination_wallet": other_user_wallet.public_id,
        "amount": 700,
    }
    post(auth_client, "/v1/transfers", body, "transfer-2")

    response = post(auth_client, "/v1/transfers", {**body, "amount": 701}, "transfer-2")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Transfer.objects.count() == 1


def test_a_refused_transfer_stores_no_key_so_a_retry_can_succeed(
    auth_client, user, funded_usd_wallet, other_user_wallet
):
    body = {
        "source_wallet": funded_usd_wallet.public_id,
        "destination_wallet": other_user_wallet.public_id,
        "amount": 10_500,
    }
    assert post(auth_client, "/v1/transfers", body, "transfer-3").json()["error"]["code"] == "balance_insufficient"
    from wallets.tests.factories import fund

    fund(funded_usd_wallet, 500)

    response = post(auth_client, "/v1/transfers", body, "transfer-3")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers


def test_payout_replays_without_a_second_effect(auth_client, funded_usd_wallet):
    body = {
        "wallet": funded_usd_wallet.public_id,
        "amount": 300,
        "destination": {"account_number": "000123456789", "routing_number": "110000000"},
    }

    first = post(auth_client, "/v1/payouts", body, "payout-1")
    second = post(auth_client, "/v1/payouts", body, "payout-1")

    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["data"] == first.json()["data"]
    assert Payout.objects.count() == 1
    assert JournalEntry.objects.filter(kind="payout").count() == 1


def test_payout_key_store_keeps_no_account_number(auth_client, funded_usd_wallet):
    from payments_platform.models import IdempotencyKey

    body = {
        "wallet": funded_usd_wallet.public_id,
        "amount": 300,
        "destination": {"account_number": "987654321012", "routing_number": "110000000"},
    }
    post(auth_client, "/v1/payouts", body, "payout-2")

    stored = IdempotencyKey.objects.values().get(key="payout-2")
    assert "987654321012" not in str(stored)
