"""POST/GET /v1/wallets and GET /v1/wallets/{id}."""

import pytest

from ledger.models import Account
from wallets.models import Wallet
from wallets.services import payout_create
from wallets.tests.factories import WalletFactory

pytestmark = pytest.mark.django_db


def test_create_wallet_returns_201_with_zero_balances(auth_client, user):
    response = auth_client.post("/v1/wallets", {"currency": "usd"}, format="json")

    assert response.status_code == 201
    data = response.json()["data"]
    assert data["id"].startswith("wal_")
    assert data["object"] == "wallet"
    assert data["currency"] == "usd"
    assert data["balance"] == {"available": 0, "pending": 0, "owed": 0}
    assert data["status"] == "active"
    assert isinstance(data["created"], int)
    assert set(data) == {"id", "object", "currency", "balance", "status", "created"}


def test_create_wallet_opens_two_non_overdraft_liability_accounts(auth_client, user):
    wallet_id = auth_client.post("/v1/wallets", {"currency": "eur"}, format="json").json()["data"]["id"]

    wallet = Wallet.objects.get(public_id=wallet_id)
    for account, part in ((wallet.available_account, "available"), (wallet.pending_account, "pending")):
        assert account.code == f"wallet:{wallet_id}:{part}"
        assert account.type == Account.Type.LIABILITY
        assert account.currency == "eur"
        assert account.allow_negative is False


def test_create_wallet_accepts_an_uppercase_currency_and_stores_it_lowercase(auth_client):
    response = auth_client.post("/v1/wallets", {"currency": "GBP"}, format="json")

    assert response.status_code == 201
    assert response.json()["data"]["currency"] == "gbp"


def test_second_wallet_in_the_same_currency_is_409_wallet_exists(auth_client, user):
    auth_client.post("/v1/wallets", {"currency": "usd"}, format="json")

    response = auth_client.post("/v1/wallets", {"currency": "usd"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "wallet_exists"
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert Wallet.objects.filter(user=user).count() == 1


def test_another_user_may_hold_a_wallet_in_the_same_currency(auth_client, other_client):
    auth_client.post("/v1/wallets", {"currency": "usd"}, format="json")

    assert other_client.post("/v1/wallets", {"currency": "usd"}, format="json").status_code == 201


@pytest.mark.parametrize("currency", ["xyz", "chf", "", 840, None, "usdd"])
def test_unknown_or_unsupported_currency_is_400_parameter_invalid(auth_client, currency):
    response = auth_client.post("/v1/wallets", {"currency": currency}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "parameter_invalid"
    assert error["param"] == "currency"
    assert not Wallet.objects.exists()


def test_missing_currency_is_400_parameter_missing(auth_client):
    response = auth_client.post("/v1/wallets", {}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_missing"
    assert response.json()["error"]["param"] == "currency"


def test_wallets_require_authentication(api_client):
    assert api_client.get("/v1/wallets").status_code == 401
    assert api_client.post("/v1/wallets", {"currency": "usd"}, format="json").status_code == 401


def test_retrieve_wallet_shows_the_ledger_balance(auth_client, funded_usd_wallet):
    response = auth_client.get(f"/v1/wallets/{funded_usd_wallet.public_id}")

    assert response.status_code == 200
    assert response.json()["data"]["balance"] == {"available": 10_000, "pending": 0, "owed": 0}


def test_pending_balance_includes_payouts_not_yet_paid(auth_client, user, funded_usd_wallet):
    payout_create(
        user=user,
        wallet=funded_usd_wallet.public_id,
        amount=2_500,
        account_number="000123456789",
        routing_number="110000000",
    )

    balance = auth_client.get(f"/v1/wallets/{funded_usd_wallet.public_id}").json()["data"]["balance"]

    assert balance == {"available": 7_500, "pending": 2_500, "owed": 0}


def test_another_users_wallet_is_404(auth_client, other_user_wallet):
    response = auth_client.get(f"/v1/wallets/{other_user_wallet.public_id}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"


def test_unknown_wallet_is_404(auth_client, db):
    assert auth_client.get("/v1/wallets/wal_doesnotexist").status_code == 404


def test_list_shows_only_the_users_wallets_newest_first(auth_client, user, other_user_wallet):
    usd = WalletFactory(user=user, currency="usd")
    eur = WalletFactory(user=user, currency="eur")

    response = auth_client.get("/v1/wallets")

    body = response.json()["data"]
    assert body["object"] == "list"
    assert body["url"] == "/v1/wallets"
    assert body["has_more"] is False
    assert [item["id"] for item in body["data"]] == [eur.public_id, usd.public_id]


def test_list_paginates_with_cursors(auth_client, user):
    wallets = [WalletFactory(user=user, currency=currency) for currency in ("usd", "eur", "gbp", "jpy")]

    first = auth_client.get("/v1/wallets?limit=2").json()["data"]
    second = auth_client.get(f"/v1/wallets?limit=2&starting_after={first['data'][-1]['id']}").json()["data"]

    assert first["has_more"] is True
    assert [item["id"] for item in first["data"] + second["data"]] == [w.public_id for w in reversed(wallets)]
    assert second["has_more"] is False


def test_retrieve_wallet_takes_a_fixed_number_of_queries(
    auth_client, user, funded_usd_wallet, django_assert_max_num_queries
):
    for _ in range(3):
        payout_create(
            user=user,
            wallet=funded_usd_wallet.public_id,
            amount=100,
            account_number="000123456789",
            routing_number="110000000",
        )

    with django_assert_max_num_queries(2):  # the user (JWT) and the wallet with its balances
        response = auth_client.get(f"/v1/wallets/{funded_usd_wallet.public_id}")

    assert response.json()["data"]["balance"] == {"available": 9_700, "pending": 300, "owed": 0}


def test_list_wallets_does_not_query_per_wallet(auth_client, user, django_assert_max_num_queries):
    for currency in ("usd", "eur", "gbp", "jpy"):
        WalletFactory(user=user, currency=currency, balance=1_000)

    with django_assert_max_num_queries(2):
        response = auth_client.get("/v1/wallets")

    assert [item["balance"]["available"] for item in response.json()["data"]["data"]] == [1_000] * 4
