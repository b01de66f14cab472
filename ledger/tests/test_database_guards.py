"""PostgreSQL refuses to corrupt the books even when Python is bypassed.

These tests go around `post_entry` on purpose, with raw SQL and `QuerySet.update()`, to prove
each database guard of migration 0003 (and the CHECK of 0001). The deferred trigger fires at
COMMIT, so those tests use a transactional test case (`transaction=True`) and commit for real.
"""

import pytest
from django.db import IntegrityError, connection, transaction

from ledger.models import Account, JournalEntry, Posting
from ledger.services import credit, debit, post_entry
from ledger.tests.factories import AccountFactory


def _insert_entry(cursor) -> int:
    cursor.execute(
        "INSERT INTO ledger_journalentry (public_id, kind, description, metadata, request_id, created)"
        " VALUES ('je_raw' || nextval('ledger_journalentry_id_seq'), 'raw', '', '{}', '', now()) RETURNING id"
    )
    return cursor.fetchone()[0]


def _insert_posting(cursor, entry_id: int, account: Account, amount: int, currency: str | None = None) -> None:
    cursor.execute(
        "INSERT INTO ledger_posting (entry_id, account_id, amount, currency, balance_after, created)"
        " VALUES (%s, %s, %s, %s, 0, now())",
        [entry_id, account.pk, amount, currency or account.currency],
    )


@pytest.fixture
def pair(transactional_db):
    return AccountFactory(allow_negative=True), AccountFactory(allow_negative=True)


@pytest.mark.django_db(transaction=True)
def test_database_rejects_an_unbalanced_entry_at_commit(pair):
    source, target = pair

    with (
        pytest.raises(IntegrityError, match="does not sum to zero"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        entry_id = _insert_entry(cursor)
        _insert_posting(cursor, entry_id, source, 100)
        _insert_posting(cursor, entry_id, target, -99)

    assert not JournalEntry.objects.filter(kind="raw").exists()


@pytest.mark.django_db(transaction=True)
def test_database_accepts_a_balanced_raw_entry(pair):
    source, target = pair

    with transaction.atomic(), connection.cursor() as cursor:
        entry_id = _insert_entry(cursor)
        _insert_posting(cursor, entry_id, source, 100)
        _insert_posting(cursor, entry_id, target, -100)

    assert Posting.objects.filter(entry_id=entry_id).count() == 2


@pytest.mark.django_db(transaction=True)
def test_database_rejects_an_entry_without_postings(pair):
    with pytest.raises(IntegrityError, match="fewer than two"), transaction.atomic(), connection.cursor() as cursor:
        _insert_entry(cursor)

    assert not JournalEntry.objects.filter(kind="raw").exists()


@pytest.mark.django_db(transaction=True)
def test_database_rejects_a_posting_in_another_currency_than_its_account(pair):
    source, target = pair

    with (
        pytest.raises(IntegrityError, match="differs from its account"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        entry_id = _insert_entry(cursor)
        _insert_posting(cursor, entry_id, source, 100, currency="eur")
        _insert_posting(cursor, entry_id, target, -100, currency="eur")


@pytest.mark.django_db(transaction=True)
def test_database_rejects_a_zero_posting(pair):
    source, target = pair

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        entry_id = _insert_entry(cursor)
        _insert_posting(cursor, entry_id, source, 0)
        _insert_posting(cursor, entry_id, target, 0)


@pytest.fixture
def posted_entry(pair) -> JournalEntry:
    source, target = pair
    return post_entry(lines=[debit(source, 100), credit(target, 100)], kind="transfer")


@pytest.mark.django_db(transaction=True)
def test_database_rejects_updating_a_posting(posted_entry):
    with pytest.raises(IntegrityError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_posting SET amount = amount * 2 WHERE entry_id = %s", [posted_entry.pk])


@pytest.mark.django_db(transaction=True)
def test_database_rejects_deleting_a_posting(posted_entry):
    with pytest.raises(IntegrityError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_posting WHERE entry_id = %s", [posted_entry.pk])


@pytest.mark.django_db(transaction=True)
def test_database_rejects_updating_a_journal_entry(posted_entry):
    with pytest.raises(IntegrityError, match="append-only"):
        JournalEntry.objects.filter(pk=posted_entry.pk).update(description="rewritten history")


@pytest.mark.django_db(transaction=True)
def test_database_rejects_deleting_a_journal_entry(posted_entry):
    with pytest.raises(IntegrityError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_journalentry WHERE id = %s", [posted_entry.pk])


@pytest.mark.django_db(transaction=True)
def test_database_rejects_a_negative_balance_on_a_non_overdraft_account():
    account = AccountFactory(allow_negative=False)

    with pytest.raises(IntegrityError, match="non_overdraft"), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET balance = -1 WHERE id = %s", [account.pk])


@pytest.mark.django_db(transaction=True)
def test_database_allows_a_negative_balance_on_an_overdraft_account():
    account = AccountFactory(allow_negative=True)

    Account.objects.filter(pk=account.pk).update(balance=-1)

    account.refresh_from_db()
    assert account.balance == -1
