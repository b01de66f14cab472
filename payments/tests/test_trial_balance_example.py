"""The worked example: after a card top-up, a transfer, its reversal, a refund and a payout, the
trial balance reads line by line as an accountant would write it down, and it balances.

The story (USD, platform fee 2.9 % + 0.30):
1. Alice tops up 100.00 by card: the processor owes us 100.00 (asset, debit) and her wallet is
   credited 100.00 (liability); the fee 3.20 is taken from her wallet (debit) as our revenue (credit).
2. Alice sends Bob 30.00; an operator reverses it: both wallets end where they were (the
   turnover shows 30.00 each way on each wallet).
3. Alice is refunded 10.00 to her card: her wallet gives 10.00 (debit), the processor owes us
   10.00 less (credit on the receivable), and the refund gives back its share of the fee, 0.32
   (REFUND_FEE_POLICY=return): fee revenue debit, her wallet credit.
4. Alice pays out 20.00 to her bank: her wallet gives 20.00 (debit), "payouts in transit" owes
   it to the bank until it settles (liability, credit).
"""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from ledger.selectors import trial_balance_as_of
from payments.services import payment_intent_create, refund_create
from payments.tests.factories import payment_method
from wallets.services import payout_create, transfer_create, transfer_reverse
from wallets.tests.factories import WalletFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(user):
    alice = WalletFactory(user=user, currency="usd")
    bob = WalletFactory(currency="usd")
    card = payment_method(user)
    intent = payment_intent_create(
        user=user, amount=10_000, currency="usd", wallet=alice.public_id, payment_method=card.public_id, confirm=True
    )
    transfer = transfer_create(user=user, source_wallet=alice.public_id, destination_wallet=bob.public_id, amount=3_000)
    transfer_reverse(transfer=transfer, actor=UserFactory(is_staff=True, is_superuser=True))
    refund_create(user=user, payment_intent=intent.public_id, amount=1_000)
    payout_create(
        user=user, wallet=alice.public_id, amount=2_000, account_number="000123456789", routing_number="110000000"
    )
    return alice, bob


def _by_account(balance, alice, bob) -> dict:
    names = {alice.available_account.code: "alice's wallet", bob.available_account.code: "bob's wallet"}
    return {
        names.get(line.account.code, line.account.code): (
            line.account.type,
            line.debits,
            line.credits,
            line.debit_balance,
            line.credit_balance,
        )
        for group in balance.groups
        for line in group.lines
    }


def test_the_trial_balance_after_the_story_reads_as_an_accountant_would_write_it(story):
    alice, bob = story

    balance = trial_balance_as_of(currency="usd", as_of=timezone.now() + dt.timedelta(seconds=1))

    #       account                                  type         debits  credits  Dr balance  Cr balance
    assert _by_account(balance, alice, bob) == {
        "connector:simulator_a:receivable:usd": ("asset", 10_000, 1_000, 9_000, 0),
        "platform:payouts_in_transit:usd": ("liability", 0, 2_000, 0, 2_000),
        "alice's wallet": ("liability", 320 + 3_000 + 1_000 + 2_000, 10_000 + 3_000 + 32, 0, 6_712),
        "bob's wallet": ("liability", 3_000, 3_000, 0, 0),
        "platform:fees:usd": ("revenue", 32, 320, 0, 288),
    }
    assert [group.type for group in balance.groups] == ["asset", "liability", "revenue"]
    assert (balance.debits, balance.credits) == (19_352, 19_352)
    assert (balance.debit_balance, balance.credit_balance) == (9_000, 9_000)
    assert balance.balanced


def test_the_trial_balance_page_shows_the_story_in_dollars_with_totals_that_balance(story, client):
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    page = client.get("/admin/ledger/account/trial-balance/", {"currency": "usd", "as_of": tomorrow}).content.decode()

    assert "Balanced:" in page
    for figure in ("100.00 USD", "90.00 USD", "67.12 USD", "3.20 USD", "193.52 USD"):
        assert figure in page
    assert f"/admin/ledger/account/{story[0].available_account_id}/statement/" in page


def test_the_trial_balance_before_the_story_is_empty(story):
    balance = trial_balance_as_of(currency="usd", as_of=timezone.now() - dt.timedelta(days=1))

    assert balance.groups == [] and balance.balanced
