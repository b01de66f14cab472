"""The statement for finance: `created[gte]` / `created[lt]` filters, and `Accept: text/csv`, which
streams every line (all pages) as one CSV without loading the statement into memory."""

import csv
import datetime as dt
import io
import tracemalloc

import pytest
import time_machine
from django.db import connection

from wallets.services import transfer_create
from wallets.tests.factories import WalletFactory, fund

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 5, 4, 12, 0, 0, tzinfo=dt.UTC)
HEADER = ["id", "created", "type", "amount", "currency", "balance_after", "source", "description"]


def unix(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def csv_get(client, wallet, query=None):
    return client.get(f"/v1/wallets/{wallet.public_id}/transactions", query or {}, HTTP_ACCEPT="text/csv")


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def wallet_with_history(user):
    """Funded at T0, then one credit a minute for 24 minutes: 25 lines."""
    with time_machine.travel(T0, tick=False):
        wallet = WalletFactory(user=user, balance=1_000)
    for minute in range(1, 25):
        with time_machine.travel(T0 + dt.timedelta(minutes=minute), tick=False):
            fund(wallet, 100 + minute)
    return wallet


def test_created_filters_keep_lines_at_or_after_gte_and_before_lt(auth_client, wallet_with_history):
    query = {"created[gte]": unix(T0 + dt.timedelta(minutes=5)), "created[lt]": unix(T0 + dt.timedelta(minutes=8))}

    response = auth_client.get(f"/v1/wallets/{wallet_with_history.public_id}/transactions", query)

    assert response.status_code == 200
    assert [line["amount"] for line in response.json()["data"]["data"]] == [107, 106, 105]


@pytest.mark.parametrize("param", ["created[gte]", "created[lt]"])
def test_a_created_filter_that_is_not_unix_seconds_is_parameter_invalid(auth_client, wallet_with_history, param):
    response = auth_client.get(f"/v1/wallets/{wallet_with_history.public_id}/transactions", {param: "monday"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_invalid"
    assert response.json()["error"]["param"] == param


def test_csv_holds_a_header_and_every_line_of_every_page(auth_client, wallet_with_history):
    response = csv_get(auth_client, wallet_with_history)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    rows = csv_rows(response)
    assert rows[0] == HEADER
    assert len(rows) == 1 + 25
    json_first_page = auth_client.get(f"/v1/wallets/{wallet_with_history.public_id}/transactions").json()["data"]
    first = json_first_page["data"][0]
    assert rows[1] == [
        first["id"], str(first["created"]), "adjustment", "124", "usd", str(first["balance_after"]), first["source"],
        first["description"],
    ]  # fmt: skip
    assert rows[-1][3] == "1000"  # amounts in minor units, oldest last


def test_csv_applies_the_created_filters(auth_client, wallet_with_history):
    query = {"created[gte]": unix(T0 + dt.timedelta(minutes=20))}

    rows = csv_rows(csv_get(auth_client, wallet_with_history, query))

    assert [row[3] for row in rows[1:]] == ["124", "123", "122", "121", "120"]


def test_csv_of_another_users_wallet_is_a_404_in_the_json_envelope(auth_client, other_user):
    wallet = WalletFactory(user=other_user, balance=100)

    response = csv_get(auth_client, wallet)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "resource_missing"


def test_csv_with_a_bad_filter_is_a_400_in_the_json_envelope(auth_client, wallet_with_history):
    response = csv_get(auth_client, wallet_with_history, {"created[lt]": "soon"})

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "created[lt]"


def test_csv_cells_cannot_run_as_spreadsheet_formulas(auth_client, user, funded_usd_wallet, other_user_wallet):
    transfer_create(
        user=user,
        source_wallet=funded_usd_wallet.public_id,
        destination_wallet=other_user_wallet.public_id,
        amount=100,
        description='=HYPERLINK("http://evil.example")',
    )

    rows = csv_rows(csv_get(auth_client, funded_usd_wallet))

    assert rows[1][7] == '\'=HYPERLINK("http://evil.example")'
    assert rows[1][3] == "-100"  # numbers keep their sign


def bulk_statement_lines(wallet, count: int) -> None:
    """`count` statement lines in four SQL statements (ORM rows through `post_entry` would take minutes).

    Test data only, read and rolled back: one balanced journal entry carries every credit to the wallet
    and its matching debit on a counterpart account. The ledger's triggers are off while these rows go
    in (`session_replication_role = replica`): its per-row balance check sums the whole entry, which is
    quadratic for one entry of 200,000 postings. The stored account balance is not updated either.
    """
    counterpart = WalletFactory(currency="usd")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "INSERT INTO ledger_journalentry (public_id, kind, description, metadata, request_id, created) "
            "VALUES ('je_bulkstatement000000000000', 'adjustment', '', '{}', '', now()) RETURNING id"
        )
        entry_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, amount, currency, balance_after, created) "
            "SELECT %s, %s, -100, 'usd', 100 * i, now() - (%s - i) * interval '1 second' "
            "FROM generate_series(1, %s) AS i",
            [entry_id, wallet.available_account_id, count, count],
        )
        cursor.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, amount, currency, balance_after, created) "
            "SELECT %s, %s, 100, 'usd', 0, now() FROM generate_series(1, %s)",
            [entry_id, counterpart.available_account_id, count],
        )
        cursor.execute(
            "INSERT INTO wallets_balancetransaction "
            "(public_id, wallet_id, posting_id, amount, currency, type, description, source, balance_after, created) "
            "SELECT 'txn_' || lpad(p.id::text, 24, '0'), %s, p.id, 100, 'usd', 'adjustment', "
            "'bulk line for the memory test', 'je_bulkstatement000000000000', p.balance_after, p.created "
            "FROM ledger_posting p WHERE p.entry_id = %s AND p.account_id = %s",
            [wallet.pk, entry_id, wallet.available_account_id],
        )
        cursor.execute("SET LOCAL session_replication_role = origin")


def test_a_100000_line_csv_streams_in_memory_far_below_its_size(auth_client, user):
    wallet = WalletFactory(user=user)
    bulk_statement_lines(wallet, 100_000)

    response = csv_get(auth_client, wallet)
    tracemalloc.start()
    lines = 0
    total_bytes = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
        total_bytes += len(chunk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert lines == 1 + 100_000
    print(f"\n100,000-line CSV: {total_bytes:,} bytes streamed, tracemalloc peak {peak:,} bytes")
    assert peak < total_bytes / 5
