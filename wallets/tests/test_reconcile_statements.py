"""reconcile_ledger checks the wallets' statements against the ledger: each drift is reported with
the rows it concerns, and the command exits 1.

The tampering happens behind the database's guards (`SET LOCAL session_replication_role = replica`
turns off the immutability triggers) inside a savepoint that is always rolled back, so the
corruption never outlives the test.
"""

import json
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from ledger.models import ReconciliationRun
from ledger.services import reverse_entry
from wallets.models import BalanceTransaction
from wallets.tests.factories import TransferFactory

pytestmark = pytest.mark.django_db

STATEMENT_CHECKS = ("statements_sum_to_balances", "wallet_postings_have_one_line", "statement_lines_match_postings")


def _report() -> tuple[int, dict]:
    out = StringIO()
    code = 0
    try:
        call_command("reconcile_ledger", "--format", "json", stdout=out, stderr=StringIO())
    except SystemExit as exit_:
        code = exit_.code
    report = json.loads(out.getvalue())
    return code, {check["name"]: check for check in report["checks"]}


@contextmanager
def behind_the_triggers():
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
        yield connection.cursor()
        transaction.set_rollback(True)


@pytest.fixture
def transfer(funded_usd_wallet, other_user_wallet):
    return TransferFactory(source_wallet=funded_usd_wallet, destination_wallet=other_user_wallet, amount=1_000)


def _line(wallet, transfer) -> BalanceTransaction:
    return BalanceTransaction.objects.get(wallet=wallet, source=transfer.public_id)


def test_clean_statements_pass_every_statement_check(transfer):
    code, checks = _report()

    assert code == 0
    assert all(checks[name]["ok"] for name in STATEMENT_CHECKS)


def test_a_generic_reversal_of_a_transfer_entry_is_reported_as_statement_drift(
    transfer, funded_usd_wallet, other_user_wallet
):
    """The bug of issue 15: the ledger moved back, the statements did not."""
    reverse_entry(entry=transfer.entry)

    code, checks = _report()

    assert code == 1
    drift = {row["wallet"]: row for row in checks["statements_sum_to_balances"]["discrepancies"]}
    assert (
        drift[funded_usd_wallet.public_id]["ledger_balance"] - drift[funded_usd_wallet.public_id]["statement_sum"]
        == 1_000
    )
    assert (
        drift[other_user_wallet.public_id]["statement_sum"] - drift[other_user_wallet.public_id]["ledger_balance"]
        == 1_000
    )
    assert checks["wallet_postings_have_one_line"]["count"] == 2


def test_an_altered_line_amount_is_reported_with_the_line_and_its_wallet(transfer, other_user_wallet):
    line = _line(other_user_wallet, transfer)
    with behind_the_triggers() as cursor:
        cursor.execute("UPDATE wallets_balancetransaction SET amount = amount + 1 WHERE id = %s", [line.pk])
        code, checks = _report()

    assert code == 1
    assert [row["wallet"] for row in checks["statements_sum_to_balances"]["discrepancies"]] == [
        other_user_wallet.public_id
    ]
    (mismatch,) = checks["statement_lines_match_postings"]["discrepancies"]
    assert (mismatch["line"], mismatch["amount"], mismatch["posting_amount"]) == (line.public_id, 1_001, 1_000)


def test_a_deleted_line_is_reported_with_the_posting_left_without_one(transfer, funded_usd_wallet):
    line = _line(funded_usd_wallet, transfer)
    with behind_the_triggers() as cursor:
        cursor.execute("DELETE FROM wallets_balancetransaction WHERE id = %s", [line.pk])
        code, checks = _report()

    assert code == 1
    (orphan,) = checks["wallet_postings_have_one_line"]["discrepancies"]
    assert (orphan["posting"], orphan["wallet"], orphan["lines"]) == (line.posting_id, funded_usd_wallet.public_id, 0)
    assert checks["statements_sum_to_balances"]["count"] == 1


def test_a_wrong_balance_after_on_a_line_is_reported(transfer, funded_usd_wallet):
    line = _line(funded_usd_wallet, transfer)
    with behind_the_triggers() as cursor:
        cursor.execute("UPDATE wallets_balancetransaction SET balance_after = 1 WHERE id = %s", [line.pk])
        code, checks = _report()

    assert code == 1
    (mismatch,) = checks["statement_lines_match_postings"]["discrepancies"]
    assert (mismatch["line"], mismatch["balance_after"], mismatch["posting_balance_after"]) == (
        line.public_id,
        1,
        9_000,
    )
    assert checks["statements_sum_to_balances"]["ok"]


def test_a_line_whose_posting_is_gone_is_reported(transfer, funded_usd_wallet):
    line = _line(funded_usd_wallet, transfer)
    with behind_the_triggers() as cursor:
        cursor.execute("UPDATE wallets_balancetransaction SET posting_id = -1 WHERE id = %s", [line.pk])
        code, checks = _report()

    assert code == 1
    assert [row["line"] for row in checks["statement_lines_match_postings"]["discrepancies"]] == [line.public_id]
    assert checks["wallet_postings_have_one_line"]["count"] == 1


def test_each_run_is_recorded_with_its_result(transfer, funded_usd_wallet):
    _report()
    with behind_the_triggers() as cursor:
        cursor.execute("DELETE FROM wallets_balancetransaction WHERE id = %s", [_line(funded_usd_wallet, transfer).pk])
        _report()
        failed = ReconciliationRun.objects.order_by("-id").first()
        assert (failed.clean, failed.summary) == (
            False,
            {"statements_sum_to_balances": 1, "wallet_postings_have_one_line": 1},
        )
        assert failed.discrepancies == 2

    clean = ReconciliationRun.objects.get()
    assert clean.clean and clean.discrepancies == 0 and clean.finished >= clean.started
    assert clean.checks >= 11
