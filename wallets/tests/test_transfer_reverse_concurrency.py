"""transfer_reverse under real concurrency: a transfer is reversed at most once, and a reversal
racing the recipient's own spending never overdraws the recipient."""

from collections import Counter

import pytest
from django.core.management import call_command

from accounts.tests.factories import UserFactory
from ledger.models import JournalEntry
from payments_platform.tests.support import run_in_threads
from wallets.models import Transfer
from wallets.services import transfer_create, transfer_reverse
from wallets.tests.factories import WalletFactory, available_balance

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def parties():
    alice = WalletFactory(currency="usd", balance=10_000)
    bob = WalletFactory(currency="usd")
    transfer = transfer_create(
        user=alice.user, source_wallet=alice.public_id, destination_wallet=bob.public_id, amount=4_000
    )
    return alice, bob, transfer


def test_eight_simultaneous_reversals_of_one_transfer_reverse_it_exactly_once(parties):
    alice, bob, transfer = parties
    operator = UserFactory(is_staff=True, is_superuser=True)

    errors = run_in_threads(
        8,
        lambda index: transfer_reverse(transfer=Transfer.objects.get(pk=transfer.pk), actor=operator),
        return_errors=True,
    )

    assert Counter(getattr(error, "code", repr(error)) for error in errors) == {"transfer_already_reversed": 7}
    assert JournalEntry.objects.filter(kind="transfer_reversal").count() == 1
    assert (available_balance(alice), available_balance(bob)) == (10_000, 0)
    call_command("reconcile_ledger")  # SystemExit(1) on any drift, statements included


def test_a_reversal_racing_the_recipients_spending_never_overdraws_the_recipient(parties):
    alice, bob, transfer = parties
    carol = WalletFactory(currency="usd")
    operator = UserFactory(is_staff=True, is_superuser=True)

    def act(index: int) -> None:
        if index == 0:
            transfer_reverse(transfer=Transfer.objects.get(pk=transfer.pk), actor=operator)
        else:
            transfer_create(
                user=bob.user, source_wallet=bob.public_id, destination_wallet=carol.public_id, amount=4_000
            )

    errors = run_in_threads(2, act, return_errors=True)

    assert [error.code for error in errors] == ["balance_insufficient"]
    assert available_balance(bob) == 0
    assert available_balance(alice) + available_balance(carol) == 10_000
    call_command("reconcile_ledger")
