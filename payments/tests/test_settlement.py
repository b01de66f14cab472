"""export_settlement_report and reconcile_settlement: the worked settlement example and every difference."""

import csv
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from ledger.models import Account, JournalEntry
from payments.models import PaymentIntent, SettlementRecord
from payments.services import settlement
from payments.tests.support import create_intent

pytestmark = pytest.mark.django_db


def export(tmp_path, connector="simulator_a") -> str:
    path = tmp_path / f"{connector}.csv"
    call_command(
        "export_settlement_report",
        connector=connector,
        date=timezone.now().date().isoformat(),
        output=str(path),
        stderr=StringIO(),
    )
    return str(path)


def reconcile(path, *extra) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("reconcile_settlement", path, *extra, stdout=out, stderr=StringIO())
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def balance(code: str) -> int:
    return Account.objects.get(code=code).balance


@pytest.fixture
def day_of_business(auth_client, wallet, visa, django_capture_on_commit_callbacks):
    """simulator_a: a 100.00 charge refunded 30.00, and a 50.00 charge. Receivable: 120.00."""
    first = create_intent(auth_client, wallet, visa, confirm=True).json()["data"]["id"]
    create_intent(auth_client, wallet, visa, confirm=True, amount=5000)
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.post("/v1/refunds", {"payment_intent": first, "amount": 3000}, format="json")
    return first


def test_the_export_lists_each_capture_and_refund_with_fees(tmp_path, day_of_business):
    with open(export(tmp_path)) as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["type"], row["gross"], row["fee"], row["net"]) for row in rows] == [
        ("charge", "10000", "60", "9940"),  # 0.5 % + 10
        ("charge", "5000", "35", "4965"),
        ("refund", "3000", "0", "3000"),
    ]
    intent = PaymentIntent.objects.get(public_id=day_of_business)
    assert rows[0]["reference"] == intent.connector_reference
    assert rows[0]["settled_date"] == timezone.now().date().isoformat()


def test_reconciling_posts_cash_fees_and_clears_the_receivable(tmp_path, day_of_business):
    receivable = "connector:simulator_a:receivable:usd"
    assert balance(receivable) == 12_000
    status, output = reconcile(export(tmp_path))
    assert status == 0, output
    assert "OK: everything matched." in output
    entry = JournalEntry.objects.get(kind="settlement")
    postings = sorted((p.account.code, p.amount) for p in entry.postings.select_related("account"))
    assert postings == [
        (receivable, -12_000),  # credit: -15000 gross charges + 3000 gross refund
        ("platform:platform_cash:usd", 11_905),  # debit: 9940 + 4965 - 3000
        ("platform:processor_fees:usd", 95),  # debit: 60 + 35
    ]
    assert balance(receivable) == 0
    assert SettlementRecord.objects.count() == 3


def test_a_second_run_of_the_same_file_posts_nothing(tmp_path, day_of_business):
    path = export(tmp_path)
    reconcile(path)
    status, output = reconcile(path, "--format", "json")
    report = json.loads(output)
    assert status == 0
    assert (report["matched"], report["posted"], report["already_settled"]) == (3, 0, 3)
    assert JournalEntry.objects.filter(kind="settlement").count() == 1


def test_the_settled_rows_lookup_is_never_prepared_so_each_run_is_planned_with_its_references(
    tmp_path, day_of_business, monkeypatch
):
    # A generic plan of `reference = ANY($1)` compares every row with every reference instead of
    # hashing them (158 s instead of 3.3 s over 100,000 rows): docs/performance.md.
    monkeypatch.setattr(settlement, "BATCH_SIZE", 1)
    path = export(tmp_path)
    for _ in range(3):  # the lookup runs once per batch: 9 times, more than psycopg's threshold of 5
        assert reconcile(path)[0] == 0

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%FROM {SettlementRecord._meta.db_table} WHERE reference = ANY%"],
        )
        assert cursor.fetchone()[0] == 0


def test_differences_are_reported_and_exit_1(tmp_path, day_of_business, auth_client, wallet, visa):
    path = export(tmp_path)
    create_intent(auth_client, wallet, visa, confirm=True, amount=700)  # captured, not in the file
    with open(path) as handle:
        rows = list(csv.reader(handle))
    rows[1][2], rows[1][4] = "10001", "9941"  # amount mismatch on the first charge
    rows.append(["simulator_a_ch_unknown", "charge", "100", "10", "90", "usd", rows[1][6]])  # not ours
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    status, output = reconcile(path, "--format", "json")
    report = json.loads(output)
    assert status == 1
    assert [item["reference"] for item in report["amount_mismatches"]] == [rows[1][0]]
    assert [item["reference"] for item in report["missing_in_ledger"]] == ["simulator_a_ch_unknown"]
    assert [item["gross"] for item in report["missing_in_file"]] == [700]
    assert report["posted"] == 2  # the two rows that matched are still settled
    status, table = reconcile(path)
    assert status == 1 and "DIFFERENCES FOUND." in table and "missing in ledger" in table


def test_a_file_with_a_bad_header_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("ref,amount\n1,2\n")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="header"):
        call_command("reconcile_settlement", str(path), stdout=StringIO(), stderr=StringIO())
