"""post_entry: the one function that posts. Each rule, and that a refused entry writes nothing."""

import pytest
from django.db import connection, transaction

from ledger.errors import CurrencyMismatch, InsufficientFunds, InvalidEntry, UnbalancedEntry
from ledger.models import Account, JournalEntry, Posting
from ledger.services import Line, credit, debit, post_entry, system_account
from ledger.tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int]:
    return JournalEntry.objects.count(), Posting.objects.count()


def test_transfer_moves_money_between_wallets(funded_wallet_account, other_wallet_account):
    entry = post_entry(
        lines=[debit(funded_wallet_account, 2_500), credit(other_wallet_account, 2_500)], kind="transfer"
    )

    funded_wallet_account.refresh_from_db()
    other_wallet_account.refresh_from_db()
    assert (funded_wallet_account.balance, other_wallet_account.balance) == (7_500, 2_500)
    assert entry.kind == "transfer"
    assert entry.public_id.startswith("je_")
    assert sorted(entry.postings.values_list("amount", flat=True)) == [-2_500, 2_500]


def test_post_entry_records_currency_and_balance_after_on_each_posting(funded_wallet_account, other_wallet_account):
    entry = post_entry(
        lines=[debit(funded_wallet_account, 2_500), credit(other_wallet_account, 2_500)], kind="transfer"
    )

    postings = {p.account_id: p for p in Posting.objects.filter(entry=entry)}
    assert postings[funded_wallet_account.pk].balance_after == 7_500
    assert postings[other_wallet_account.pk].balance_after == 2_500
    assert {p.currency for p in postings.values()} == {"usd"}


def test_post_entry_refreshes_the_balance_of_account_instances_passed_in(funded_wallet_account, other_wallet_account):
    post_entry(lines=[debit(funded_wallet_account, 100), credit(other_wallet_account, 100)], kind="transfer")

    assert (funded_wallet_account.balance, other_wallet_account.balance) == (9_900, 100)


def test_post_entry_accepts_account_primary_keys(funded_wallet_account, other_wallet_account):
    post_entry(lines=[Line(funded_wallet_account.pk, 100), Line(other_wallet_account.pk, -100)], kind="transfer")

    other_wallet_account.refresh_from_db()
    assert other_wallet_account.balance == 100


def test_post_entry_stores_reference_metadata_request_id_and_author(funded_wallet_account, other_wallet_account, user):
    entry = post_entry(
        lines=[debit(funded_wallet_account, 1), credit(other_wallet_account, 1)],
        kind="transfer",
        description="rent",
        reference="tr_123",
        metadata={"note": "june"},
        created_by=user,
        request_id="req_1",
    )

    entry.refresh_from_db()
    assert (entry.description, entry.reference, entry.metadata) == ("rent", "tr_123", {"note": "june"})
    assert (entry.created_by, entry.request_id) == (user, "req_1")


def test_post_entry_fails_when_balance_is_insufficient(funded_wallet_account, other_wallet_account):
    before = _counts()

    with pytest.raises(InsufficientFunds) as raised:
        post_entry(lines=[debit(funded_wallet_account, 10_001), credit(other_wallet_account, 10_001)], kind="transfer")

    assert raised.value.code == "balance_insufficient"
    assert raised.value.param == "amount"
    assert _counts() == before
    funded_wallet_account.refresh_from_db()
    assert funded_wallet_account.balance == 10_000


def test_post_entry_may_empty_an_account_exactly(funded_wallet_account, other_wallet_account):
    post_entry(lines=[debit(funded_wallet_account, 10_000), credit(other_wallet_account, 10_000)], kind="transfer")

    funded_wallet_account.refresh_from_db()
    assert funded_wallet_account.balance == 0


def test_overdraft_account_may_go_negative():
    receivable = system_account(purpose="processor_receivable", currency="usd")
    cash = system_account(purpose="platform_cash", currency="usd")

    post_entry(lines=[debit(cash, 500), credit(receivable, 500)], kind="settlement")

    receivable.refresh_from_db()
    assert receivable.balance == -500


def test_post_entry_fails_when_unbalanced(funded_wallet_account, other_wallet_account):
    before = _counts()

    with pytest.raises(UnbalancedEntry) as raised:
        post_entry(lines=[debit(funded_wallet_account, 100), credit(other_wallet_account, 99)], kind="transfer")

    assert raised.value.code == "entry_unbalanced"
    assert _counts() == before


def test_post_entry_fails_when_a_line_is_zero(funded_wallet_account, other_wallet_account):
    with pytest.raises(InvalidEntry) as raised:
        post_entry(lines=[Line(funded_wallet_account, 0), Line(other_wallet_account, 0)], kind="transfer")

    assert raised.value.code == "entry_invalid"


def test_post_entry_fails_with_fewer_than_two_lines(funded_wallet_account):
    with pytest.raises(InvalidEntry):
        post_entry(lines=[debit(funded_wallet_account, 1)], kind="transfer")


def test_post_entry_fails_when_an_amount_is_not_an_integer(funded_wallet_account, other_wallet_account):
    with pytest.raises(InvalidEntry):
        post_entry(lines=[Line(funded_wallet_account, 1.5), Line(other_wallet_account, -1.5)], kind="transfer")


def test_post_entry_fails_when_an_account_does_not_exist(funded_wallet_account):
    before = _counts()

    with pytest.raises(InvalidEntry):
        post_entry(lines=[debit(funded_wallet_account, 1), Line(987_654_321, -1)], kind="transfer")

    assert _counts() == before


def test_post_entry_fails_when_a_line_currency_differs_from_its_account(funded_wallet_account, other_wallet_account):
    with pytest.raises(CurrencyMismatch) as raised:
        post_entry(
            lines=[debit(funded_wallet_account, 1), credit(other_wallet_account, 1, currency="eur")], kind="transfer"
        )

    assert raised.value.code == "currency_mismatch"


def test_post_entry_fails_when_currencies_do_not_each_balance(funded_wallet_account):
    euro_wallet = AccountFactory(currency="eur")

    with pytest.raises(UnbalancedEntry):
        post_entry(lines=[debit(funded_wallet_account, 100), credit(euro_wallet, 100)], kind="transfer")


def test_post_entry_accepts_an_entry_balanced_in_each_of_two_currencies(funded_wallet_account, other_wallet_account):
    euro_wallet = AccountFactory(currency="eur")
    eur_cash = system_account(purpose="platform_cash", currency="eur")
    usd_cash = system_account(purpose="platform_cash", currency="usd")

    post_entry(
        lines=[
            debit(funded_wallet_account, 110),
            credit(usd_cash, 110),
            debit(eur_cash, 100),
            credit(euro_wallet, 100),
        ],
        kind="fx",
    )

    euro_wallet.refresh_from_db()
    assert euro_wallet.balance == 100


def test_debit_and_credit_helpers_refuse_non_positive_amounts(wallet_account):
    with pytest.raises(InvalidEntry):
        debit(wallet_account, 0)
    with pytest.raises(InvalidEntry):
        credit(wallet_account, -5)


def test_post_entry_rolls_back_with_the_outer_transaction(funded_wallet_account, other_wallet_account):
    before = _counts()

    with pytest.raises(RuntimeError), transaction.atomic():
        post_entry(lines=[debit(funded_wallet_account, 100), credit(other_wallet_account, 100)], kind="transfer")
        raise RuntimeError("the caller's own write failed")

    funded_wallet_account.refresh_from_db()
    assert funded_wallet_account.balance == 10_000
    assert _counts() == before


def test_a_refused_entry_leaves_the_outer_transaction_usable(funded_wallet_account, other_wallet_account):
    with transaction.atomic():
        with pytest.raises(InsufficientFunds):
            post_entry(
                lines=[debit(funded_wallet_account, 10**9), credit(other_wallet_account, 10**9)], kind="transfer"
            )
        post_entry(lines=[debit(funded_wallet_account, 1), credit(other_wallet_account, 1)], kind="transfer")

    other_wallet_account.refresh_from_db()
    assert other_wallet_account.balance == 1


def test_two_lines_on_the_same_account_are_summed(funded_wallet_account, other_wallet_account):
    post_entry(
        lines=[debit(funded_wallet_account, 60), debit(funded_wallet_account, 40), credit(other_wallet_account, 100)],
        kind="transfer",
    )

    funded_wallet_account.refresh_from_db()
    assert funded_wallet_account.balance == 9_900
    assert sorted(Posting.objects.filter(account=funded_wallet_account).values_list("balance_after", flat=True)) == [
        9_900,
        9_940,
        10_000,
    ]


def test_posting_a_two_line_entry_takes_at_most_seven_queries(
    funded_wallet_account, other_wallet_account, django_assert_max_num_queries
):
    with django_assert_max_num_queries(7):
        post_entry(lines=[debit(funded_wallet_account, 1), credit(other_wallet_account, 1)], kind="transfer")


def test_inside_a_transaction_a_two_line_entry_is_one_lock_and_one_write(
    funded_wallet_account, other_wallet_account, django_assert_num_queries
):
    with transaction.atomic(), django_assert_num_queries(2) as captured:
        post_entry(lines=[debit(funded_wallet_account, 1), credit(other_wallet_account, 1)], kind="transfer")

    lock, write = (query["sql"] for query in captured.captured_queries)
    assert lock.startswith("SELECT") and lock.endswith("FOR UPDATE")
    assert "INSERT INTO ledger_journalentry" in write and "UPDATE ledger_account" in write


def test_the_lock_and_the_write_are_prepared_statements_after_five_entries(funded_wallet_account, other_wallet_account):
    for _ in range(6):
        post_entry(lines=[debit(funded_wallet_account, 1), credit(other_wallet_account, 1)], kind="transfer")

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("FROM ledger_account WHERE id = ANY" in statement for statement in prepared)
    assert any("INSERT INTO ledger_journalentry" in statement for statement in prepared)


def test_the_returned_entry_lists_the_written_postings_in_line_order(funded_wallet_account, other_wallet_account):
    entry = post_entry(
        lines=[debit(funded_wallet_account, 70), credit(other_wallet_account, 50), credit(other_wallet_account, 20)],
        kind="transfer",
    )

    written = [(p.pk, p.account_id, p.amount, p.balance_after) for p in entry.written_postings]
    stored = list(entry.postings.order_by("pk").values_list("pk", "account_id", "amount", "balance_after"))
    assert written == stored
    assert [amount for _, _, amount, _ in written] == [70, -50, -20]


def test_an_entry_read_from_the_database_has_no_written_postings(funded_wallet_account, other_wallet_account):
    entry = post_entry(lines=[debit(funded_wallet_account, 1), credit(other_wallet_account, 1)], kind="transfer")

    assert JournalEntry.objects.get(pk=entry.pk).written_postings is None


def test_asset_accounts_are_debit_normal():
    cash = system_account(purpose="platform_cash", currency="usd")
    fees = system_account(purpose="fees", currency="usd")

    post_entry(lines=[debit(cash, 300), credit(fees, 300)], kind="fee")

    cash.refresh_from_db()
    fees.refresh_from_db()
    assert (cash.balance, fees.balance) == (300, 300)
    assert cash.type == Account.Type.ASSET
