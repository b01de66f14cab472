"""`simulate_traffic --mode wallets`: simulated traffic moves real money through wallets services."""

from io import StringIO

from django.core.management import call_command

from fraud.models import AssessmentRecord, Review
from fraud.sandbox.traffic import RUNNERS
from ledger.models import Account
from wallets.models import Payout, Transfer
from wallets.sandbox.traffic import wallets_runner


def test_wallets_registers_its_runner_with_fraud():
    assert RUNNERS["wallets"] is wallets_runner


def test_simulated_traffic_makes_real_labeled_transfers_and_payouts(db):
    out = StringIO()

    call_command("simulate_traffic", "--users", "30", "--days", "2", "--seed", "3", "--mode", "wallets", stdout=out)

    transfers, payouts = Transfer.objects.count(), Payout.objects.count()
    assert transfers > 0 and payouts > 0
    labeled = AssessmentRecord.objects.filter(object_type__in=["transfer", "payout"], label__isnull=False)
    assert labeled.count() == transfers + payouts
    # The planted fraud includes large payouts from new accounts, labeled fraudulent.
    assert AssessmentRecord.objects.filter(operation="payout", label=True).exists()
    # Every review the run opened was closed as an operator knowing the label would.
    assert not Review.objects.filter(status=Review.Status.OPEN).exists()
    assert not Account.objects.filter(allow_negative=False, balance__lt=0).exists()
    assert "Ran " in out.getvalue()
