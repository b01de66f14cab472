"""POST /v1/payouts, GET /v1/payouts and GET /v1/payouts/{id}."""

import logging

import pytest

from ledger.models import JournalEntry, Posting
from ledger.services import system_account
from wallets.models import BalanceTransaction, Payout
from wallets.serializers import PayoutOutput
from wallets.services import payout_create, payout_settle_next
from wallets.tests.factories import WalletFactory, available_balance
from webhooks.models import Event

pytestmark = pytest.mark.django_db

PAYS = "000123456789"
ROUTING = "110000000"


def create(client, wallet, amount=2_000, account_number=PAYS, routing_number=ROUTING, **extra):
    body = {
        "wallet": wallet.public_id,
        "amount": amount,
        "destination": {"account_number": account_number, "routing_number": routing_number},
        **extra,
    }
    return client.post("/v1/payouts", body, format="json")


def assert_nothing_written() -> None:
    assert not Payout.objects.exists()
    assert not JournalEntry.objects.filter(kind="payout").exists()
    assert not BalanceTransaction.objects.filter(type="payout").exists()
    assert not Event.objects.exists()


def test_payout_returns_201_pending_with_only_the_last_four_digits(auth_client, funded_usd_wallet):
    response = create(auth_client, funded_usd_wallet, 2_000, description="weekly", metadata={"ref": "w1"})

    assert response.status_code == 201
    data = response.json()["data"]
    assert data["id"].startswith("po_")
    assert data["object"] == "payout"
    assert data["amount"] == 2_000
    assert data["currency"] == "usd"
    assert data["wallet"] == funded_usd_wallet.public_id
    assert data["status"] == "pending"
    assert data["destination"] == {"last4": "6789", "routing_number": ROUTING}
    assert data["failure_code"] is None
    assert data["failure_message"] is None
    assert data["arrival_date"] > data["created"]
    assert data["description"] == "weekly"
    assert data["metadata"] == {"ref": "w1"}
    assert data["outcome"]["type"] == "authorized"
    assert data["outcome"]["risk_level"] == "normal"
    assert data["outcome"]["rules"] == []
    assert data["outcome"]["reason"] is None
    assert PAYS not in response.content.decode()


def test_payout_moves_the_money_to_payouts_in_transit_at_once(auth_client, funded_usd_wallet):
    in_transit = system_account(purpose="payouts_in_transit", currency="usd")

    payout_id = create(auth_client, funded_usd_wallet, 2_000).json()["data"]["id"]

    assert available_balance(funded_usd_wallet) == 8_000
    in_transit.refresh_from_db()
    assert in_transit.balance == 2_000
    entry = JournalEntry.objects.get(kind="payout")
    assert entry.reference == payout_id
    assert {p.account_id: p.amount for p in Posting.objects.filter(entry=entry)} == {
        funded_usd_wallet.available_account_id: 2_000,
        in_transit.pk: -2_000,
    }


def test_payout_writes_a_payout_balance_transaction(auth_client, funded_usd_wallet):
    payout_id = create(auth_client, funded_usd_wallet, 2_000).json()["data"]["id"]

    row = BalanceTransaction.objects.get(type="payout")
    assert (row.amount, row.balance_after, row.source) == (-2_000, 8_000, payout_id)


def test_payout_records_payout_created(auth_client, user, funded_usd_wallet):
    data = create(auth_client, funded_usd_wallet).json()["data"]

    event = Event.objects.get(type="payout.created")
    assert event.user_id == user.pk
    assert event.data == {"object": data}


def test_the_full_account_number_is_stored_nowhere(auth_client, funded_usd_wallet):
    create(auth_client, funded_usd_wallet, account_number="987654321012")

    payout = Payout.objects.get()
    stored = [str(value) for value in Payout.objects.values().get().values()]
    assert payout.account_last4 == "1012"
    assert not any("987654321012" in value for value in stored)
    assert "987654321012" not in str(Event.objects.get().data)
    assert "987654321012" not in str(list(JournalEntry.objects.values("description", "metadata")))


def test_the_account_number_is_never_logged(auth_client, funded_usd_wallet, caplog, capsys):
    with caplog.at_level(logging.DEBUG):
        create(auth_client, funded_usd_wallet, account_number="987654321012")
        create(auth_client, funded_usd_wallet, account_number="98765432101x")

    assert "987654321012" not in caplog.text
    assert "98765432101" not in capsys.readouterr().err


def test_payout_fails_when_balance_is_insufficient(auth_client, funded_usd_wallet):
    response = create(auth_client, funded_usd_wallet, 10_001)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "balance_insufficient"
    assert available_balance(funded_usd_wallet) == 10_000
    assert_nothing_written()


def test_payout_from_another_users_wallet_is_404(auth_client, other_user):
    theirs = WalletFactory(user=other_user, currency="usd", balance=5_000)

    response = create(auth_client, theirs)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"
    assert response.json()["error"]["param"] == "wallet"
    assert_nothing_written()


@pytest.mark.parametrize("account_number", ["123", "1" * 18, "12345abc", "", 123456789, "0001 2345"])
def test_invalid_account_number_is_400_and_not_echoed(auth_client, funded_usd_wallet, account_number):
    response = create(auth_client, funded_usd_wallet, account_number=account_number)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "parameter_invalid"
    assert error["param"] == "destination[account_number]"
    if isinstance(account_number, str) and len(account_number) >= 4:
        assert account_number not in response.content.decode()
    assert_nothing_written()


@pytest.mark.parametrize("routing_number", ["12345678", "1234567890", "11000000a", 110000000])
def test_invalid_routing_number_is_400(auth_client, funded_usd_wallet, routing_number):
    response = create(auth_client, funded_usd_wallet, routing_number=routing_number)

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "destination[routing_number]"
    assert_nothing_written()


def test_missing_destination_is_400_parameter_missing(auth_client, funded_usd_wallet):
    response = auth_client.post("/v1/payouts", {"wallet": funded_usd_wallet.public_id, "amount": 1}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_missing"
    assert response.json()["error"]["param"] == "destination"


@pytest.mark.parametrize("amount", [0, -1, 2.5, "10", None])
def test_invalid_payout_amount_is_400_parameter_invalid(auth_client, funded_usd_wallet, amount):
    response = create(auth_client, funded_usd_wallet, amount)

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "amount"
    assert_nothing_written()


def test_four_and_seventeen_digit_account_numbers_are_accepted(auth_client, funded_usd_wallet):
    assert create(auth_client, funded_usd_wallet, 1, account_number="1234").status_code == 201
    assert create(auth_client, funded_usd_wallet, 1, account_number="12345678901234567").status_code == 201


def test_payout_requires_authentication(api_client, funded_usd_wallet):
    assert create(api_client, funded_usd_wallet).status_code == 401


def test_list_and_retrieve_show_only_the_users_payouts(auth_client, other_client, funded_usd_wallet, other_user):
    mine = create(auth_client, funded_usd_wallet, 100).json()["data"]["id"]
    WalletFactory(user=other_user, currency="usd", balance=1_000)
    theirs_wallet = other_user.wallets.get()
    theirs = create(other_client, theirs_wallet, 100).json()["data"]["id"]

    body = auth_client.get("/v1/payouts").json()["data"]
    assert [item["id"] for item in body["data"]] == [mine]
    assert body["url"] == "/v1/payouts"
    assert auth_client.get(f"/v1/payouts/{mine}").json()["data"]["id"] == mine
    missing = auth_client.get(f"/v1/payouts/{theirs}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "resource_missing"


def test_list_paginates_newest_first(auth_client, funded_usd_wallet):
    ids = [create(auth_client, funded_usd_wallet, 10).json()["data"]["id"] for _ in range(3)]

    first = auth_client.get("/v1/payouts?limit=2").json()["data"]
    second = auth_client.get(f"/v1/payouts?limit=2&starting_after={first['data'][-1]['id']}").json()["data"]

    assert [item["id"] for item in first["data"] + second["data"]] == ids[::-1]
    assert first["has_more"] is True
    assert second["has_more"] is False


def test_the_created_response_is_the_object_its_payout_created_event_carries(auth_client, funded_usd_wallet):
    data = create(auth_client, funded_usd_wallet, 1_500, metadata={"ref": "w2"}).json()["data"]

    assert Event.objects.get(type="payout.created").data["object"] == data


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (-1, "amount: Amount must be a positive integer in the currency's minor unit."),
        (2.5, "amount: Amount must be a positive integer in the currency's minor unit."),
        (100_000_000_000, "amount: Amount must be at most 99999999999."),
    ],
)
def test_an_invalid_payout_amount_is_refused_with_the_apis_message(auth_client, funded_usd_wallet, amount, message):
    error = create(auth_client, funded_usd_wallet, amount).json()["error"]

    assert (error["code"], error["param"], error["message"]) == ("parameter_invalid", "amount", message)
    assert_nothing_written()


def test_a_payout_is_made_and_settled_without_running_the_api_serializer(funded_usd_wallet, monkeypatch):
    """The payout's events come from wallets.representations: no serializer runs inside the
    transactions that hold the payout's and the wallet's row locks."""

    def refuse(self, instance):
        raise AssertionError("the API serializer ran inside the service")

    monkeypatch.setattr(PayoutOutput, "to_representation", refuse)

    payout = payout_create(
        user=funded_usd_wallet.user,
        wallet=funded_usd_wallet.public_id,
        amount=1_000,
        account_number=PAYS,
        routing_number=ROUTING,
    )
    payout_settle_next(due_by=None)

    assert [event.data["object"]["status"] for event in Event.objects.filter(type__startswith="payout.")] == [
        "pending",
        "paid",
    ]
    assert Event.objects.filter(type="payout.created").get().data["object"]["id"] == payout.public_id
