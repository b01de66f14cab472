"""GET /v1/wallets/{id}/balance?at=…: the balances as of a past moment, read from the ledger.

Each movement is posted at a known moment (time-machine: postings are immutable, so their
`created` cannot be set afterwards); at each moment the test records what `GET /v1/wallets/{id}`
showed, then reads the balance back at each of them.
"""

import datetime as dt

import pytest
import time_machine

from payments_platform.tests.support import client_for
from wallets.selectors import wallet_owed_balance_at
from wallets.services import payout_create, payout_settle_next, transfer_create
from wallets.tests.factories import WalletFactory, fund

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.UTC)
ACCOUNT = {"account_number": "000123456789", "routing_number": "110000000"}
FAILING_ACCOUNT = {"account_number": "000111111116", "routing_number": "110000000"}


def unix(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def balance_at(client, wallet, at) -> dict:
    response = client.get(f"/v1/wallets/{wallet.public_id}/balance", {"at": at})
    assert response.status_code == 200, response.content
    return response.json()["data"]


def shown_now(client, wallet) -> dict:
    return client.get(f"/v1/wallets/{wallet.public_id}").json()["data"]["balance"]


def test_the_balance_at_each_moment_equals_what_the_wallet_showed_then(user, other_user):
    """Each client is made at its moment: an access token is valid 15 minutes from when it is issued."""
    wallet = WalletFactory(user=user)
    other = WalletFactory(user=other_user)
    steps = [
        ("funded", lambda: fund(wallet, 10_000)),
        (
            "sent",
            lambda: transfer_create(
                user=user, source_wallet=wallet.public_id, destination_wallet=other.public_id, amount=2_500
            ),
        ),
        ("paying out", lambda: payout_create(user=user, wallet=wallet.public_id, amount=1_000, **ACCOUNT)),
        ("failing payout", lambda: payout_create(user=user, wallet=wallet.public_id, amount=700, **FAILING_ACCOUNT)),
        ("settled", lambda: (payout_settle_next(due_by=None), payout_settle_next(due_by=None))),
    ]
    shown = {}
    for minute, (name, step) in enumerate(steps, start=1):
        moment = T0 + dt.timedelta(minutes=minute)
        with time_machine.travel(moment, tick=False):
            step()
            shown[name] = (unix(moment), shown_now(client_for(user), wallet))

    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        client = client_for(user)
        for name, (at, balance) in shown.items():
            read = balance_at(client, wallet, at)
            assert {key: read[key] for key in ("available", "pending", "owed")} == balance, name
            assert read["object"] == "balance" and read["at"] == at and read["owed"] == 0
    assert [{key: balance[key] for key in ("available", "pending")} for _, balance in shown.values()] == [
        {"available": 10_000, "pending": 0},
        {"available": 7_500, "pending": 0},
        {"available": 6_500, "pending": 1_000},
        {"available": 5_800, "pending": 1_700},
        {"available": 6_500, "pending": 0},  # one paid, one failed (its 700 came back)
    ]


def test_the_balance_before_the_first_movement_is_zero(auth_client, user):
    with time_machine.travel(T0, tick=False):
        wallet = WalletFactory(user=user, balance=5_000)

    read = balance_at(auth_client, wallet, unix(T0) - 1)

    assert (read["available"], read["pending"], read["owed"]) == (0, 0, 0)


def test_a_movement_counts_from_the_second_it_shows_as_created(auth_client, user):
    with time_machine.travel(T0 + dt.timedelta(microseconds=900_000), tick=False):
        wallet = WalletFactory(user=user, balance=5_000)

    assert balance_at(auth_client, wallet, unix(T0))["available"] == 5_000
    assert balance_at(auth_client, wallet, unix(T0) - 1)["available"] == 0


def test_without_at_the_balance_is_the_current_one(auth_client, user):
    wallet = WalletFactory(user=user, balance=4_200)

    response = auth_client.get(f"/v1/wallets/{wallet.public_id}/balance")

    assert response.status_code == 200
    assert response.json()["data"]["available"] == 4_200


@pytest.mark.parametrize("at", ["yesterday", "-5", "1.5", "99999999999999", "1e9"])
def test_an_at_that_is_not_unix_seconds_is_parameter_invalid(auth_client, user, at):
    wallet = WalletFactory(user=user)

    response = auth_client.get(f"/v1/wallets/{wallet.public_id}/balance", {"at": at})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_invalid"
    assert response.json()["error"]["param"] == "at"


def test_an_at_in_the_future_is_parameter_invalid(auth_client, user):
    wallet = WalletFactory(user=user)

    response = auth_client.get(f"/v1/wallets/{wallet.public_id}/balance", {"at": unix(dt.datetime.now(dt.UTC)) + 60})

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "at"


def test_another_users_wallet_balance_is_404(auth_client, other_user):
    wallet = WalletFactory(user=other_user, balance=1_000)

    response = auth_client.get(f"/v1/wallets/{wallet.public_id}/balance")

    assert response.status_code == 404


def test_owed_comes_from_its_one_helper_which_is_zero_until_owed_balances_exist(user):
    wallet = WalletFactory(user=user, balance=1_000)

    assert wallet_owed_balance_at(wallet=wallet, moment=dt.datetime.now(dt.UTC)) == 0
