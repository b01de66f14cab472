"""Balances, statements with running balances, and the trial balance."""

import pytest

from ledger.selectors import account_balance, account_statement, statement_page, trial_balance
from ledger.services import credit, debit, post_entry, system_account
from ledger.tests.support import fund

pytestmark = pytest.mark.django_db


def test_account_balance_reads_the_stored_balance(funded_wallet_account):
    assert account_balance(account=funded_wallet_account) == 10_000
    assert account_balance(account=funded_wallet_account.pk) == 10_000


def test_statement_lists_postings_newest_first_with_running_balance(funded_wallet_account, other_wallet_account):
    for amount in (100, 200, 300):
        post_entry(lines=[debit(funded_wallet_account, amount), credit(other_wallet_account, amount)], kind="transfer")

    statement = list(account_statement(account=other_wallet_account))

    assert [p.amount for p in statement] == [-300, -200, -100]
    assert [p.balance_after for p in statement] == [600, 300, 100]
    assert statement[0].entry.kind == "transfer"


def test_statement_pages_follow_the_cursor_without_gaps_or_repeats(funded_wallet_account, other_wallet_account):
    for amount in range(1, 8):
        post_entry(lines=[debit(funded_wallet_account, amount), credit(other_wallet_account, amount)], kind="transfer")

    first = statement_page(account=other_wallet_account, limit=3)
    second = statement_page(account=other_wallet_account, limit=3, starting_after_posting_pk=first.next_cursor)
    third = statement_page(account=other_wallet_account, limit=3, starting_after_posting_pk=second.next_cursor)

    amounts = [-p.amount for page in (first, second, third) for p in page.postings]
    assert amounts == [7, 6, 5, 4, 3, 2, 1]
    assert (first.has_more, second.has_more, third.has_more) == (True, True, False)
    assert third.next_cursor is None


def test_statement_page_takes_one_query(funded_wallet_account, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = statement_page(account=funded_wallet_account, limit=10)
        [p.entry.public_id for p in page.postings]


def test_trial_balance_is_zero_in_each_currency(funded_wallet_account, other_wallet_account):
    fund(system_account(purpose="platform_cash", currency="eur"), 5_000)
    post_entry(lines=[debit(funded_wallet_account, 100), credit(other_wallet_account, 100)], kind="transfer")

    balances = trial_balance()

    assert balances["usd"] == {"debits": 10_000, "credits": 10_000, "net": 0}
    assert balances["eur"] == {"debits": 5_000, "credits": 5_000, "net": 0}


def test_trial_balance_can_be_limited_to_one_currency(funded_wallet_account):
    assert set(trial_balance(currency="usd")) == {"usd"}
