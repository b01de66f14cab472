"""GET /v1/wallets/{id}/transactions: the wallet's statement."""

import pytest

from ledger.models import Posting
from wallets.services import payout_create, transfer_create
from wallets.tests.factories import WalletFactory, fund

pytestmark = pytest.mark.django_db


def statement(client, wallet, query=""):
    response = client.get(f"/v1/wallets/{wallet.public_id}/transactions{query}")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def test_statement_lists_every_movement_newest_first_with_balance_after(
    auth_client, user, funded_usd_wallet, other_user_wallet
):
    transfer = transfer_create(
        user=user,
        source_wallet=funded_usd_wallet.public_id,
        destination_wallet=other_user_wallet.public_id,
        amount=3_000,
    )
    back = transfer_create(
        user=other_user_wallet.user,
        source_wallet=other_user_wallet.public_id,
        destination_wallet=funded_usd_wallet.public_id,
        amount=1_000,
    )
    payout = payout_create(
        user=user,
        wallet=funded_usd_wallet.public_id,
        amount=500,
        account_number="000123456789",
        routing_number="110000000",
    )

    rows = statement(auth_client, funded_usd_wallet)["data"]

    assert [(row["type"], row["amount"], row["balance_after"], row["source"]) for row in rows] == [
        ("payout", -500, 7_500, payout.public_id),
        ("transfer_in", 1_000, 8_000, back.public_id),
        ("transfer_out", -3_000, 7_000, transfer.public_id),
        ("adjustment", 10_000, 10_000, rows[-1]["source"]),
    ]
    assert rows[-1]["source"].startswith("je_")


def test_balance_transaction_has_the_contracts_shape(auth_client, funded_usd_wallet):
    row = statement(auth_client, funded_usd_wallet)["data"][0]

    assert set(row) == {
        "id",
        "object",
        "amount",
        "currency",
        "type",
        "description",
        "source",
        "balance_after",
        "created",
    }
    assert row["id"].startswith("txn_")
    assert row["object"] == "balance_transaction"
    assert row["currency"] == "usd"
    assert isinstance(row["created"], int)


def test_statement_matches_the_ledger_postings_of_the_wallet_account(
    auth_client, user, funded_usd_wallet, other_user_wallet
):
    for amount in (100, 200, 300):
        transfer_create(
            user=user,
            source_wallet=funded_usd_wallet.public_id,
            destination_wallet=other_user_wallet.public_id,
            amount=amount,
        )

    rows = statement(auth_client, funded_usd_wallet, "?limit=100")["data"]

    postings = Posting.objects.filter(account=funded_usd_wallet.available_account).order_by("-id")
    assert [(row["amount"], row["balance_after"]) for row in rows] == [(-p.amount, p.balance_after) for p in postings]


def test_statement_is_cursor_paginated(auth_client, funded_usd_wallet):
    for _ in range(4):
        fund(funded_usd_wallet, 1)

    first = statement(auth_client, funded_usd_wallet, "?limit=2")
    second = statement(auth_client, funded_usd_wallet, f"?limit=2&starting_after={first['data'][-1]['id']}")
    back = statement(auth_client, funded_usd_wallet, f"?limit=2&ending_before={second['data'][0]['id']}")

    assert first["url"] == f"/v1/wallets/{funded_usd_wallet.public_id}/transactions"
    assert first["has_more"] is True
    assert [row["balance_after"] for row in first["data"] + second["data"]] == [10_004, 10_003, 10_002, 10_001]
    assert second["has_more"] is True
    assert back["data"] == first["data"]


def test_statement_of_another_users_wallet_is_404(auth_client, other_user_wallet):
    response = auth_client.get(f"/v1/wallets/{other_user_wallet.public_id}/transactions")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"


def test_statement_cursor_from_another_wallet_is_400(auth_client, user, funded_usd_wallet):
    eur = WalletFactory(user=user, currency="eur", balance=5)
    foreign_row = statement(auth_client, eur)["data"][0]["id"]

    response = auth_client.get(f"/v1/wallets/{funded_usd_wallet.public_id}/transactions?starting_after={foreign_row}")

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "starting_after"


def test_statement_page_takes_a_fixed_number_of_queries(auth_client, funded_usd_wallet, django_assert_max_num_queries):
    for _ in range(10):
        fund(funded_usd_wallet, 1)

    with django_assert_max_num_queries(3):  # user, wallet, one page
        rows = statement(auth_client, funded_usd_wallet, "?limit=100")["data"]

    assert len(rows) == 11
