"""`python manage.py adjust_wallet WALLET_ID AMOUNT --reason TEXT [--yes]`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditLogEntry
from ledger.models import JournalEntry, Posting
from ledger.services import system_account
from wallets.models import BalanceTransaction
from wallets.tests.factories import available_balance

pytestmark = pytest.mark.django_db


def adjust(*args) -> str:
    out = StringIO()
    call_command("adjust_wallet", *args, stdout=out)
    return out.getvalue()


def test_a_positive_adjustment_credits_the_wallet_from_the_adjustments_account(funded_usd_wallet):
    adjustments = system_account(purpose="adjustments", currency="usd")
    before = adjustments.balance

    output = adjust(funded_usd_wallet.public_id, "250", "--reason", "goodwill credit", "--yes")

    assert available_balance(funded_usd_wallet) == 10_250
    entry = JournalEntry.objects.filter(kind="adjustment").latest("pk")
    assert {p.account_id: p.amount for p in Posting.objects.filter(entry=entry)} == {
        funded_usd_wallet.available_account_id: -250,
        adjustments.pk: 250,
    }
    adjustments.refresh_from_db()
    assert adjustments.balance == before - 250
    assert "available balance now 10250" in output
    assert entry.public_id in output


def test_a_negative_adjustment_debits_the_wallet(funded_usd_wallet):
    adjust(funded_usd_wallet.public_id, "-400", "--reason", "chargeback fee", "--yes")

    assert available_balance(funded_usd_wallet) == 9_600
    row = BalanceTransaction.objects.filter(wallet=funded_usd_wallet).latest("pk")
    assert (row.type, row.amount, row.balance_after) == ("adjustment", -400, 9_600)
    assert row.source.startswith("je_")


def test_an_adjustment_that_would_overdraw_is_refused_and_writes_nothing(funded_usd_wallet):
    entries = JournalEntry.objects.count()

    with pytest.raises(CommandError, match="overdraw"):
        adjust(funded_usd_wallet.public_id, "-10001", "--reason", "too much", "--yes")

    assert available_balance(funded_usd_wallet) == 10_000
    assert JournalEntry.objects.count() == entries
    assert not AuditLogEntry.objects.filter(action="wallet.adjusted", details__amount=-10_001).exists()


def test_an_adjustment_is_written_to_the_audit_log(funded_usd_wallet):
    adjust(funded_usd_wallet.public_id, "-5", "--reason", "rounding fix", "--yes")

    entry = AuditLogEntry.objects.filter(action="wallet.adjusted").latest("pk")
    assert entry.object_type == "wallet"
    assert entry.object_id == funded_usd_wallet.public_id
    assert entry.details["amount"] == -5
    assert entry.details["reason"] == "rounding fix"
    assert entry.details["balance_after"] == 9_995


def test_without_yes_the_operator_must_confirm(funded_usd_wallet, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")

    adjust(funded_usd_wallet.public_id, "10", "--reason", "confirmed")

    assert available_balance(funded_usd_wallet) == 10_010


def test_an_unconfirmed_adjustment_posts_nothing(funded_usd_wallet, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="Aborted"):
        adjust(funded_usd_wallet.public_id, "10", "--reason", "not confirmed")

    assert available_balance(funded_usd_wallet) == 10_000


def test_an_unknown_wallet_is_an_error(db):
    with pytest.raises(CommandError, match="No such wallet"):
        adjust("wal_nope", "10", "--reason", "x", "--yes")


@pytest.mark.parametrize("amount", ["0", "100000000000"])
def test_a_zero_or_too_large_amount_is_refused(funded_usd_wallet, amount):
    with pytest.raises(CommandError, match="Refused"):
        adjust(funded_usd_wallet.public_id, amount, "--reason", "x", "--yes")


def test_an_empty_reason_is_refused(funded_usd_wallet):
    with pytest.raises(CommandError, match="reason"):
        adjust(funded_usd_wallet.public_id, "10", "--reason", "  ", "--yes")
