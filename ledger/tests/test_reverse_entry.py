"""reverse_entry: the exact opposite of an entry, posted at most once."""

import pytest
from django.db import transaction

from ledger.errors import AlreadyReversed, InsufficientFunds
from ledger.models import JournalEntry
from ledger.services import credit, debit, post_entry, reverse_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def transfer(funded_wallet_account, other_wallet_account) -> JournalEntry:
    return post_entry(
        lines=[debit(funded_wallet_account, 2_500), credit(other_wallet_account, 2_500)],
        kind="transfer",
        reference="tr_1",
    )


def test_reversal_posts_the_exact_opposite_lines(transfer, funded_wallet_account, other_wallet_account, user):
    reversal = reverse_entry(entry=transfer, created_by=user, request_id="req_9")

    original = sorted(transfer.postings.values_list("account_id", "amount"))
    opposite = sorted(
        (account_id, -amount) for account_id, amount in reversal.postings.values_list("account_id", "amount")
    )
    assert original == opposite
    assert (reversal.kind, reversal.reverses, reversal.reference) == ("reversal", transfer, "tr_1")
    assert (reversal.created_by, reversal.request_id) == (user, "req_9")


def test_reversal_restores_the_balances(transfer, funded_wallet_account, other_wallet_account):
    reverse_entry(entry=transfer)

    funded_wallet_account.refresh_from_db()
    other_wallet_account.refresh_from_db()
    assert (funded_wallet_account.balance, other_wallet_account.balance) == (10_000, 0)


def test_reversed_entry_links_to_its_reversal(transfer):
    reversal = reverse_entry(entry=transfer)

    transfer.refresh_from_db()
    assert transfer.reversed_by == reversal


def test_reversing_twice_fails(transfer):
    reverse_entry(entry=transfer)
    entries = JournalEntry.objects.count()

    with pytest.raises(AlreadyReversed) as raised:
        reverse_entry(entry=transfer)

    assert raised.value.code == "entry_already_reversed"
    assert JournalEntry.objects.count() == entries


def test_reversal_fails_when_it_would_overdraw_an_account(transfer, other_wallet_account, funded_wallet_account):
    post_entry(lines=[debit(other_wallet_account, 2_000), credit(funded_wallet_account, 2_000)], kind="transfer")

    with pytest.raises(InsufficientFunds):
        reverse_entry(entry=transfer)

    assert not JournalEntry.objects.filter(reverses=transfer).exists()


def test_reversal_is_safe_inside_an_outer_transaction(transfer):
    with transaction.atomic():
        reverse_entry(entry=transfer)
        with pytest.raises(AlreadyReversed):
            reverse_entry(entry=transfer)

    assert JournalEntry.objects.filter(reverses=transfer).count() == 1
