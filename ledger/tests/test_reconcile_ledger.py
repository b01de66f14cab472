"""reconcile_ledger: clean books exit 0; each kind of corruption is reported with its ids and exits 1.

To corrupt the books these tests bypass `post_entry` on purpose (raw SQL, `.update()`). They run
inside a savepoint that is rolled back before the test ends, so the deferred PostgreSQL triggers
that would refuse them at COMMIT (or at the test teardown's constraint check) never fire: the
reconciliation sees exactly the state a bug that slipped past every guard would leave.
"""

import json
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from ledger.models import Account
from ledger.services import credit, debit, post_entry

pytestmark = pytest.mark.django_db


def _reconcile(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("reconcile_ledger", *args, stdout=out, stderr=StringIO())
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def _json_report() -> tuple[int, dict]:
    code, out = _reconcile("--format", "json")
    report = json.loads(out)
    return code, {check["name"]: check for check in report["checks"]} | {"ok": report["ok"]}


@contextmanager
def corrupted():
    """A savepoint that is always rolled back: the corruption never reaches a constraint check."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def books(funded_wallet_account, other_wallet_account):
    post_entry(lines=[debit(funded_wallet_account, 1_000), credit(other_wallet_account, 1_000)], kind="transfer")
    return funded_wallet_account, other_wallet_account


def _raw_entry(account: Account, amounts: list[int], *, currency: str | None = None, balance_after: int = 0) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_journalentry (public_id, kind, description, metadata, request_id, created)"
            " VALUES ('je_corrupt', 'raw', '', '{}', '', CURRENT_TIMESTAMP)"
        )
        cursor.execute("SELECT id FROM ledger_journalentry WHERE public_id = 'je_corrupt'")
        entry_id = cursor.fetchone()[0]
        for amount in amounts:
            cursor.execute(
                "INSERT INTO ledger_posting (entry_id, account_id, amount, currency, balance_after, created)"
                " VALUES (%s, %s, %s, %s, %s, CURRENT_TIMESTAMP)",
                [entry_id, account.pk, amount, currency or account.currency, balance_after],
            )
    return entry_id


def test_clean_books_exit_zero_with_a_table(books):
    code, out = _reconcile()

    assert code == 0
    assert "Ledger is consistent." in out
    assert "entries_balanced" in out


def test_clean_books_report_ok_in_json(books):
    code, report = _json_report()

    assert code == 0
    assert report["ok"] is True
    assert all(report[name]["count"] == 0 for name in report if name != "ok")


def test_an_unbalanced_entry_is_reported_with_its_id(books):
    wallet_account, _ = books
    with corrupted():
        _raw_entry(wallet_account, [500])
        code, report = _json_report()

    assert code == 1
    assert report["entries_balanced"]["discrepancies"] == [{"entry": "je_corrupt", "currency": "usd", "sum": 500}]
    assert report["entries_have_two_postings"]["discrepancies"] == [{"entry": "je_corrupt", "postings": 1}]
    assert report["trial_balance_postings"]["count"] == 1


def test_a_stored_balance_that_differs_from_its_postings_is_reported(books):
    wallet_account, _ = books
    Account.objects.filter(pk=wallet_account.pk).update(balance=1)

    code, report = _json_report()

    assert code == 1
    [row] = report["balances_match_postings"]["discrepancies"]
    assert (row["account"], row["code"], row["stored"], row["computed"]) == (
        wallet_account.public_id,
        wallet_account.code,
        1,
        9_000,
    )
    assert report["trial_balance_accounts"]["discrepancies"] == [{"currency": "usd", "net": 8_999}]


def test_a_wrong_running_balance_is_reported_with_the_posting(books):
    wallet_account, _ = books
    with corrupted():
        _raw_entry(wallet_account, [5, -5], balance_after=123)
        code, report = _json_report()

    assert code == 1
    assert report["running_balances"]["count"] == 2
    assert report["entries_balanced"]["count"] == 0


def test_a_posting_in_another_currency_than_its_account_is_reported(books):
    wallet_account, _ = books
    with corrupted():
        _raw_entry(wallet_account, [5, -5], currency="eur")
        code, report = _json_report()

    assert code == 1
    assert report["posting_currency_matches_account"]["count"] == 2
    assert report["posting_currency_matches_account"]["discrepancies"][0]["account_currency"] == "usd"


def test_a_negative_non_overdraft_account_is_reported(books):
    wallet_account, _ = books
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE ledger_account DROP CONSTRAINT ledger_account_non_overdraft_not_negative")
    Account.objects.filter(pk=wallet_account.pk).update(balance=-7)

    code, report = _json_report()

    assert code == 1
    assert report["no_overdraft"]["discrepancies"] == [
        {"account": wallet_account.public_id, "code": wallet_account.code, "balance": -7}
    ]


def test_the_text_report_lists_each_discrepancy_with_ids(books):
    wallet_account, _ = books
    Account.objects.filter(pk=wallet_account.pk).update(balance=1)

    code, out = _reconcile()

    assert code == 1
    assert "balances_match_postings: 1 discrepancy" in out
    assert f"account={wallet_account.public_id}" in out
    assert "Ledger has discrepancies." in out


def test_limit_caps_the_listed_discrepancies_but_counts_them_all(books):
    wallet_account, other = books
    Account.objects.filter(pk__in=[wallet_account.pk, other.pk]).update(balance=1)

    code, out = _reconcile("--format", "json", "--limit", "1")
    check = {c["name"]: c for c in json.loads(out)["checks"]}["balances_match_postings"]

    assert code == 1
    assert (check["count"], len(check["discrepancies"])) == (2, 1)


def test_a_stored_balance_on_an_account_with_no_postings_is_reported(books):
    _, other = books
    empty = Account.objects.create(code="test:empty", name="Empty", type="liability", currency="usd")
    Account.objects.filter(pk=empty.pk).update(balance=7)

    code, report = _json_report()

    assert code == 1
    [row] = report["balances_match_postings"]["discrepancies"]
    assert (row["account"], row["stored"], row["computed"]) == (empty.public_id, 7, 0)
    assert other.public_id not in {row["account"] for row in report["balances_match_postings"]["discrepancies"]}


def test_stored_balances_off_on_several_accounts_are_all_counted_and_listed_in_account_order(books):
    wallet, other = books
    Account.objects.filter(pk__in=[wallet.pk, other.pk]).update(balance=3)

    code, report = _json_report()

    assert code == 1
    assert report["balances_match_postings"]["count"] == 2
    listed = [row["account"] for row in report["balances_match_postings"]["discrepancies"]]
    assert listed == [account.public_id for account in sorted([wallet, other], key=lambda account: account.pk)]
