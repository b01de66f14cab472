"""post_entry(lock_codes=, complete=): extra lines computed from balances read under the entry's lock."""

import pytest

from ledger.errors import InvalidEntry, UnbalancedEntry
from ledger.models import Account, JournalEntry
from ledger.services import LockedBalance, account_create, credit, debit, post_entry

pytestmark = pytest.mark.django_db


def account(code: str, type: str = "liability", allow_negative: bool = False) -> Account:
    return account_create(code=code, type=type, currency="usd", allow_negative=allow_negative)


@pytest.fixture
def books():
    source = account("test:source", type="equity", allow_negative=True)
    target = account("test:target")
    sweep = account("test:sweep", type="asset")
    post_entry(lines=[debit(sweep, 300), credit(source, 300)], kind="setup")
    return source, target, sweep


def test_complete_sees_the_balance_of_the_accounts_asked_for_by_code(books):
    source, target, sweep = books
    seen = {}

    def complete(balances: dict[str, LockedBalance]):
        seen.update(balances)
        return []

    post_entry(lines=[debit(source, 100), credit(target, 100)], kind="t", lock_codes=["test:sweep"], complete=complete)
    assert seen == {"test:sweep": LockedBalance(pk=sweep.pk, code="test:sweep", public_id=sweep.public_id, balance=300)}


def test_the_completing_lines_are_posted_in_the_same_entry_after_the_others(books):
    source, target, sweep = books

    def complete(balances):
        return [debit(target.pk, 100), credit(balances["test:sweep"].pk, 100)]

    entry = post_entry(
        lines=[debit(source, 250), credit(target, 250)], kind="t", lock_codes=["test:sweep"], complete=complete
    )
    assert [(p.account_id, p.amount) for p in entry.written_postings] == [
        (source.pk, 250),
        (target.pk, -250),
        (target.pk, 100),
        (sweep.pk, -100),
    ]
    target.refresh_from_db()
    sweep.refresh_from_db()
    assert (target.balance, sweep.balance) == (150, 200)


def test_a_code_with_no_account_is_simply_absent(books):
    source, target, _ = books
    seen = {}
    post_entry(
        lines=[debit(source, 1), credit(target, 1)],
        kind="t",
        lock_codes=["test:missing"],
        complete=lambda balances: seen.update(balances) or [],
    )
    assert seen == {}


def test_a_completing_line_on_an_account_not_locked_is_refused_and_nothing_is_written(books):
    source, target, _ = books
    stranger = account("test:stranger", type="equity", allow_negative=True)
    before = JournalEntry.objects.count()
    with pytest.raises(InvalidEntry):
        post_entry(
            lines=[debit(source, 1), credit(target, 1)],
            kind="t",
            lock_codes=[],
            complete=lambda balances: [debit(stranger, 1), credit(target, 1)],
        )
    assert JournalEntry.objects.count() == before


def test_unbalanced_completing_lines_are_refused(books):
    source, target, _ = books
    with pytest.raises(UnbalancedEntry):
        post_entry(
            lines=[debit(source, 1), credit(target, 1)],
            kind="t",
            lock_codes=["test:sweep"],
            complete=lambda balances: [credit(balances["test:sweep"].pk, 5), debit(target, 4)],
        )
