"""`wallet_post_entry`: the helper other apps (payments) use to move a wallet's money."""

import pytest

from ledger.errors import InsufficientFunds
from ledger.models import JournalEntry
from ledger.services import credit, debit, system_account
from payments_platform.api.errors import ParameterInvalid
from wallets.models import BalanceTransaction
from wallets.services import WalletLine, wallet_post_entry
from wallets.tests.factories import available_balance

pytestmark = pytest.mark.django_db


def test_a_top_up_with_a_fee_writes_one_statement_line_per_wallet_line(funded_usd_wallet):
    """A payment of 10.00 less a 0.59 fee, as payments will post it: two lines on one wallet,
    each with its own running balance."""
    receivable = system_account(purpose="processor_receivable", currency="usd")
    fees = system_account(purpose="fees", currency="usd")

    entry, rows = wallet_post_entry(
        wallet_lines=[
            WalletLine(wallet=funded_usd_wallet, amount=1_000, type="top_up", source="pi_example"),
            WalletLine(
                wallet=funded_usd_wallet, amount=-59, type="fee", source="pi_example", description="Platform fee"
            ),
        ],
        lines=[debit(receivable, 1_000), credit(fees, 59)],
        kind="top_up",
        description="Top-up",
        reference="pi_example",
    )

    assert [(row.type, row.amount, row.balance_after, row.description) for row in rows] == [
        ("top_up", 1_000, 11_000, "Top-up"),
        ("fee", -59, 10_941, "Platform fee"),
    ]
    assert list(BalanceTransaction.objects.filter(posting__entry=entry).order_by("pk")) == rows
    assert available_balance(funded_usd_wallet) == 10_941


def test_an_overdrawing_wallet_line_raises_and_writes_nothing(funded_usd_wallet):
    adjustments = system_account(purpose="adjustments", currency="usd")
    entries = JournalEntry.objects.count()

    with pytest.raises(InsufficientFunds):
        wallet_post_entry(
            wallet_lines=[WalletLine(wallet=funded_usd_wallet, amount=-10_001, type="payment", source="pi_x")],
            lines=[credit(adjustments, 10_001)],
            kind="payment",
        )

    assert JournalEntry.objects.count() == entries
    assert BalanceTransaction.objects.filter(wallet=funded_usd_wallet).count() == 1  # the funding


@pytest.mark.parametrize(("amount", "line_type"), [(0, "top_up"), (5, "gift"), (True, "top_up")])
def test_a_malformed_wallet_line_is_refused(funded_usd_wallet, amount, line_type):
    with pytest.raises(ParameterInvalid):
        wallet_post_entry(
            wallet_lines=[WalletLine(wallet=funded_usd_wallet, amount=amount, type=line_type, source="x")],
            lines=[],
            kind="top_up",
        )
