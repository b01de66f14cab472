"""POST /v1/transfers, GET /v1/transfers and GET /v1/transfers/{id}."""

import pytest

from ledger.errors import CurrencyMismatch
from ledger.models import JournalEntry, Posting
from payments_platform.api.errors import ParameterInvalid
from payments_platform.tests.support import bearer
from wallets.models import BalanceTransaction, Transfer
from wallets.serializers import TransferOutput
from wallets.services import transfer_create
from wallets.tests.factories import UserFactory, WalletFactory, available_balance, pending_balance
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def send(client, source, destination, amount=1_000, headers=None, **extra):
    body = {"source_wallet": source.public_id, "destination_wallet": destination.public_id, "amount": amount, **extra}
    return client.post("/v1/transfers", body, format="json", headers=headers)


def assert_nothing_written() -> None:
    assert not Transfer.objects.exists()
    assert not JournalEntry.objects.filter(kind="transfer").exists()
    assert not BalanceTransaction.objects.exclude(type="adjustment").exists()
    assert not Event.objects.exists()


def test_transfer_returns_201_with_the_contracts_shape(auth_client, funded_usd_wallet, other_user_wallet):
    response = send(
        auth_client, funded_usd_wallet, other_user_wallet, 1_234, description="rent", metadata={"month": "may"}
    )

    assert response.status_code == 201
    data = response.json()["data"]
    assert data["id"].startswith("tr_")
    assert data == {
        "id": data["id"],
        "object": "transfer",
        "amount": 1_234,
        "currency": "usd",
        "source_wallet": funded_usd_wallet.public_id,
        "destination_wallet": other_user_wallet.public_id,
        "description": "rent",
        "metadata": {"month": "may"},
        "status": "succeeded",
        "outcome": {
            "type": "authorized",
            "risk_level": "normal",
            "risk_score": data["outcome"]["risk_score"],
            "rules": [],
            "reason": None,
        },
        "created": data["created"],
    }
    assert 0 <= data["outcome"]["risk_score"] < 65


def test_transfer_moves_the_money_between_the_wallets(auth_client, funded_usd_wallet, other_user_wallet):
    send(auth_client, funded_usd_wallet, other_user_wallet, 2_500)

    assert available_balance(funded_usd_wallet) == 7_500
    assert available_balance(other_user_wallet) == 2_500


def test_transfer_posts_exactly_one_balanced_ledger_entry(auth_client, funded_usd_wallet, other_user_wallet):
    transfer_id = send(auth_client, funded_usd_wallet, other_user_wallet, 2_500).json()["data"]["id"]

    entry = JournalEntry.objects.get(kind="transfer")
    assert entry.reference == transfer_id
    postings = {p.account_id: p.amount for p in Posting.objects.filter(entry=entry)}
    assert postings == {funded_usd_wallet.available_account_id: 2_500, other_user_wallet.available_account_id: -2_500}
    assert Transfer.objects.get(public_id=transfer_id).entry == entry


def test_transfer_writes_one_balance_transaction_per_wallet(auth_client, funded_usd_wallet, other_user_wallet):
    transfer_id = send(auth_client, funded_usd_wallet, other_user_wallet, 2_500).json()["data"]["id"]

    out = BalanceTransaction.objects.get(wallet=funded_usd_wallet, type="transfer_out")
    into = BalanceTransaction.objects.get(wallet=other_user_wallet, type="transfer_in")
    assert (out.amount, out.balance_after, out.source) == (-2_500, 7_500, transfer_id)
    assert (into.amount, into.balance_after, into.source) == (2_500, 2_500, transfer_id)


def test_transfer_records_an_event_for_sender_and_recipient(
    auth_client, user, other_user, funded_usd_wallet, other_user_wallet
):
    data = send(auth_client, funded_usd_wallet, other_user_wallet, 2_500).json()["data"]

    events = Event.objects.filter(type="transfer.created")
    assert {event.user_id for event in events} == {user.pk, other_user.pk}
    assert all(event.data == {"object": data} for event in events)


def test_transfer_passes_the_request_id_to_the_entry_and_events(auth_client, funded_usd_wallet, other_user_wallet):
    send(auth_client, funded_usd_wallet, other_user_wallet, headers={"X-Request-ID": "req-transfer-1"})

    assert JournalEntry.objects.get(kind="transfer").request_id == "req-transfer-1"
    assert set(Event.objects.values_list("request_id", flat=True)) == {"req-transfer-1"}


# --- Errors ---------------------------------------------------------------------------


def test_transfer_fails_when_balance_is_insufficient(auth_client, funded_usd_wallet, other_user_wallet):
    response = send(auth_client, funded_usd_wallet, other_user_wallet, 10_001)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "balance_insufficient"
    assert response.json()["error"]["param"] == "amount"
    assert available_balance(funded_usd_wallet) == 10_000
    assert_nothing_written()


def test_transfer_of_the_whole_balance_empties_the_wallet(auth_client, funded_usd_wallet, other_user_wallet):
    assert send(auth_client, funded_usd_wallet, other_user_wallet, 10_000).status_code == 201

    assert available_balance(funded_usd_wallet) == 0


def test_transfer_between_currencies_is_400_currency_mismatch(auth_client, funded_usd_wallet):
    eur = WalletFactory(currency="eur")

    response = send(auth_client, funded_usd_wallet, eur)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "currency_mismatch"
    assert response.json()["error"]["param"] == "destination_wallet"
    assert_nothing_written()


def test_transfer_to_the_same_wallet_is_400_transfer_same_wallet(auth_client, funded_usd_wallet):
    response = send(auth_client, funded_usd_wallet, funded_usd_wallet)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "transfer_same_wallet"
    assert response.json()["error"]["param"] == "destination_wallet"
    assert_nothing_written()


def test_transfer_from_another_users_wallet_is_404(auth_client, funded_usd_wallet, other_user):
    theirs = WalletFactory(user=other_user, currency="usd", balance=5_000)

    response = send(auth_client, theirs, funded_usd_wallet)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"
    assert response.json()["error"]["param"] == "source_wallet"
    assert available_balance(theirs) == 5_000
    assert_nothing_written()


def test_transfer_from_an_unknown_wallet_is_404_source_wallet(auth_client, funded_usd_wallet):
    response = auth_client.post(
        "/v1/transfers",
        {"source_wallet": "wal_nope", "destination_wallet": funded_usd_wallet.public_id, "amount": 1},
        format="json",
    )

    assert response.status_code == 404
    assert response.json()["error"]["param"] == "source_wallet"


def test_transfer_to_an_unknown_wallet_is_404_destination_wallet(auth_client, funded_usd_wallet):
    response = auth_client.post(
        "/v1/transfers",
        {"source_wallet": funded_usd_wallet.public_id, "destination_wallet": "wal_nope", "amount": 1},
        format="json",
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"
    assert response.json()["error"]["param"] == "destination_wallet"
    assert_nothing_written()


@pytest.mark.parametrize("amount", [0, -5, 1.5, "100", True, None, 100_000_000_000, [100]])
def test_transfer_with_an_invalid_amount_is_400_parameter_invalid(
    auth_client, funded_usd_wallet, other_user_wallet, amount
):
    response = send(auth_client, funded_usd_wallet, other_user_wallet, amount)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_invalid"
    assert response.json()["error"]["param"] == "amount"
    assert_nothing_written()


def test_transfer_of_the_largest_amount_works(auth_client, user, other_user_wallet):
    rich = WalletFactory(user=user, currency="usd", balance=99_999_999_999)

    response = send(auth_client, rich, other_user_wallet, 99_999_999_999)

    assert response.status_code == 201
    # A brand-new account moving a billion dollars is held for review: the money arrives as pending.
    assert response.json()["data"]["outcome"]["type"] == "manual_review"
    assert available_balance(other_user_wallet) == 0
    assert pending_balance(other_user_wallet) == 99_999_999_999


@pytest.mark.parametrize("field", ["source_wallet", "destination_wallet", "amount"])
def test_transfer_without_a_required_field_is_400_parameter_missing(
    auth_client, funded_usd_wallet, other_user_wallet, field
):
    body = {
        "source_wallet": funded_usd_wallet.public_id,
        "destination_wallet": other_user_wallet.public_id,
        "amount": 1,
    }
    del body[field]

    response = auth_client.post("/v1/transfers", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_missing"
    assert response.json()["error"]["param"] == field


@pytest.mark.parametrize(
    ("metadata", "param"),
    [
        ({f"k{i}": "v" for i in range(21)}, "metadata"),
        ({"k" * 41: "v"}, "metadata"),
        ({"key": "v" * 501}, "metadata"),
        ({"key": 5}, "metadata"),
        (["a"], "metadata"),
        ("text", "metadata"),
    ],
)
def test_transfer_with_invalid_metadata_is_400(auth_client, funded_usd_wallet, other_user_wallet, metadata, param):
    response = send(auth_client, funded_usd_wallet, other_user_wallet, metadata=metadata)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_invalid"
    assert response.json()["error"]["param"] == param
    assert_nothing_written()


def test_transfer_accepts_twenty_metadata_keys_of_the_largest_size(auth_client, funded_usd_wallet, other_user_wallet):
    metadata = {f"{i:02d}" + "k" * 38: "v" * 500 for i in range(20)}

    response = send(auth_client, funded_usd_wallet, other_user_wallet, metadata=metadata)

    assert response.status_code == 201
    assert response.json()["data"]["metadata"] == metadata


def test_transfer_description_longer_than_500_characters_is_400(auth_client, funded_usd_wallet, other_user_wallet):
    response = send(auth_client, funded_usd_wallet, other_user_wallet, description="x" * 501)

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "description"


def test_transfer_requires_authentication(api_client, funded_usd_wallet, other_user_wallet):
    assert send(api_client, funded_usd_wallet, other_user_wallet).status_code == 401


def test_transfer_takes_a_bounded_number_of_queries(
    auth_client, funded_usd_wallet, other_user_wallet, django_assert_max_num_queries
):
    send(auth_client, funded_usd_wallet, other_user_wallet)  # warm the per-process fraud rules and model caches
    # user (JWT); both wallets in one SELECT; fraud: the lists lookup (rules and model cached; one
    # Redis round trip, not a query); savepoint; two events (one statement each: the event and
    # its deliveries); the feature-log row; the ledger: lock, entry+postings+balances (one
    # statement; no savepoint inside the caller's transaction); balance transactions (one bulk
    # INSERT); transfer; release. 10 in production; the test's own transaction makes the
    # service's atomic a savepoint (+2).
    with django_assert_max_num_queries(12):
        assert send(auth_client, funded_usd_wallet, other_user_wallet).status_code == 201


def test_transfer_with_cold_fraud_caches_adds_the_rules_and_model_queries(
    auth_client, funded_usd_wallet, other_user_wallet, django_assert_max_num_queries
):
    # Once per FRAUD_RULES_CACHE_SECONDS / FRAUD_MODEL_CACHE_SECONDS per process.
    with django_assert_max_num_queries(14):
        assert send(auth_client, funded_usd_wallet, other_user_wallet).status_code == 201


# --- Reads ----------------------------------------------------------------------------


def test_sender_and_recipient_can_both_retrieve_the_transfer(
    auth_client, other_client, funded_usd_wallet, other_user_wallet
):
    transfer_id = send(auth_client, funded_usd_wallet, other_user_wallet).json()["data"]["id"]

    for client in (auth_client, other_client):
        response = client.get(f"/v1/transfers/{transfer_id}")
        assert response.status_code == 200
        assert response.json()["data"]["id"] == transfer_id


def test_a_third_user_cannot_see_the_transfer(auth_client, api_client, funded_usd_wallet, other_user_wallet):
    transfer_id = send(auth_client, funded_usd_wallet, other_user_wallet).json()["data"]["id"]
    api_client.credentials(HTTP_AUTHORIZATION=bearer(UserFactory()))

    response = api_client.get(f"/v1/transfers/{transfer_id}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"


def test_list_shows_transfers_sent_and_received_newest_first(
    auth_client, other_client, user, funded_usd_wallet, other_user_wallet
):
    sent = send(auth_client, funded_usd_wallet, other_user_wallet, 100).json()["data"]["id"]
    WalletFactory(user=UserFactory(), currency="usd")  # unrelated noise
    received = send(other_client, other_user_wallet, funded_usd_wallet, 50).json()["data"]["id"]

    body = auth_client.get("/v1/transfers").json()["data"]

    assert body["object"] == "list"
    assert body["url"] == "/v1/transfers"
    assert [item["id"] for item in body["data"]] == [received, sent]


def test_list_excludes_other_users_transfers(auth_client, funded_usd_wallet, other_user_wallet):
    third = WalletFactory(currency="usd", balance=1_000)
    fourth = WalletFactory(currency="usd")
    transfer_create(user=third.user, source_wallet=third.public_id, destination_wallet=fourth.public_id, amount=5)

    assert auth_client.get("/v1/transfers").json()["data"]["data"] == []


def test_list_paginates_with_cursors(auth_client, funded_usd_wallet, other_user_wallet):
    ids = [send(auth_client, funded_usd_wallet, other_user_wallet, 10).json()["data"]["id"] for _ in range(5)]

    first = auth_client.get("/v1/transfers?limit=3").json()["data"]
    second = auth_client.get(f"/v1/transfers?limit=3&starting_after={first['data'][-1]['id']}").json()["data"]

    assert first["has_more"] is True
    assert second["has_more"] is False
    assert [item["id"] for item in first["data"] + second["data"]] == ids[::-1]


def test_list_transfers_does_not_query_per_transfer(
    auth_client, funded_usd_wallet, other_user_wallet, django_assert_max_num_queries
):
    for _ in range(5):
        send(auth_client, funded_usd_wallet, other_user_wallet, 10)

    with django_assert_max_num_queries(2):
        response = auth_client.get("/v1/transfers")

    assert len(response.json()["data"]["data"]) == 5


def test_a_transfer_that_fails_after_its_first_event_leaves_no_event_and_no_entry(
    auth_client, funded_usd_wallet, other_user_wallet, monkeypatch
):
    """The events commit with the transfer or not at all: a crash after the sender's event was
    written (here: while writing the recipient's) rolls back the event, the entry and the transfer."""
    import wallets.services.transfers

    real_event_record = wallets.services.transfers.event_record
    calls = []

    def crash_on_second_event(**kwargs):
        calls.append(kwargs["user"])
        if len(calls) == 2:
            raise RuntimeError("crash between the two events")
        return real_event_record(**kwargs)

    monkeypatch.setattr(wallets.services.transfers, "event_record", crash_on_second_event)
    with pytest.raises(RuntimeError):
        transfer_create(
            user=funded_usd_wallet.user,
            source_wallet=funded_usd_wallet.public_id,
            destination_wallet=other_user_wallet.public_id,
            amount=100,
        )

    assert len(calls) == 2
    assert_nothing_written()
    assert available_balance(funded_usd_wallet) == 10_000


def test_the_created_response_is_the_object_its_transfer_created_event_carries(
    auth_client, funded_usd_wallet, other_user_wallet
):
    data = send(auth_client, funded_usd_wallet, other_user_wallet, 700, metadata={"order": "42"}).json()["data"]

    event = Event.objects.get(type="transfer.created", user=funded_usd_wallet.user)
    assert event.data["object"] == data


def test_a_transfer_is_made_without_running_the_api_serializer(funded_usd_wallet, other_user_wallet, monkeypatch):
    """The event payload comes from wallets.representations: the service never runs TransferOutput,
    so no serializer runs inside its transaction."""

    def refuse(self, instance):
        raise AssertionError("the API serializer ran inside the service")

    monkeypatch.setattr(TransferOutput, "to_representation", refuse)

    transfer = transfer_create(
        user=funded_usd_wallet.user,
        source_wallet=funded_usd_wallet.public_id,
        destination_wallet=other_user_wallet.public_id,
        amount=300,
    )

    assert Event.objects.get(type="transfer.created", user=funded_usd_wallet.user).data["object"]["id"] == (
        transfer.public_id
    )


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "amount: Amount must be a positive integer in the currency's minor unit."),
        ("100", "amount: Amount must be a positive integer in the currency's minor unit."),
        (100_000_000_000, "amount: Amount must be at most 99999999999."),
    ],
)
def test_an_invalid_amount_is_refused_with_the_apis_message(
    auth_client, funded_usd_wallet, other_user_wallet, amount, message
):
    error = send(auth_client, funded_usd_wallet, other_user_wallet, amount).json()["error"]

    assert (error["code"], error["param"], error["message"]) == ("parameter_invalid", "amount", message)


@pytest.mark.parametrize("amount", [0, "100", 1.5, True, 100_000_000_000])
def test_the_service_refuses_an_invalid_amount_before_it_looks_up_a_wallet(user, amount):
    """The amount is checked once, at the service boundary: before the unknown wallets are looked up."""
    with pytest.raises(ParameterInvalid) as raised:
        transfer_create(user=user, source_wallet="wal_unknown", destination_wallet="wal_unknown_too", amount=amount)

    assert raised.value.param == "amount"
    assert_nothing_written()


def test_a_transfer_between_currencies_raises_the_ledgers_currency_mismatch(funded_usd_wallet):
    """One class for a currency mismatch, the ledger's, with the transfer's param."""
    eur = WalletFactory(currency="eur")

    with pytest.raises(CurrencyMismatch) as raised:
        transfer_create(
            user=funded_usd_wallet.user,
            source_wallet=funded_usd_wallet.public_id,
            destination_wallet=eur.public_id,
            amount=100,
        )

    assert (raised.value.code, raised.value.param) == ("currency_mismatch", "destination_wallet")
