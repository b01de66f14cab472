"""The scheduled jobs against the real apps: a failed nightly reconciliation alerts, a due payout is settled."""

import signal

import pytest

from accounts.models import AuditLogEntry
from ledger.models import Account
from ledger.services import credit, debit, post_entry, system_account
from ledger.tests.factories import AccountFactory
from payments_platform.models import JobRun
from payments_platform.scheduler import Job, job_run
from tests.operations.processes import Process, child_environment, wait_until
from wallets.models import Payout
from wallets.services import payout_create
from wallets.tests.factories import WalletFactory

RECONCILE = Job(name="reconcile_ledger", cron="30 2 * * *", alert=True)


@pytest.fixture
def corrupted_books(db):
    account = AccountFactory()
    adjustments = system_account(purpose="adjustments", currency="usd")
    post_entry(lines=[debit(adjustments, 500), credit(account, 500)], kind="adjustment", description="test")
    Account.objects.filter(pk=account.pk).update(balance=1)  # a stored balance its postings disagree with
    return account


@pytest.mark.django_db
def test_clean_books_reconcile_as_a_succeeded_run_without_an_alert():
    run = job_run(RECONCILE)

    assert run.outcome == JobRun.Outcome.SUCCEEDED
    assert "Ledger is consistent." in run.detail
    assert not AuditLogEntry.objects.filter(action="scheduler.job_failed").exists()


def test_a_failed_reconciliation_is_a_failed_run_with_the_discrepancy(corrupted_books):
    run = job_run(RECONCILE)

    assert run.outcome == JobRun.Outcome.FAILED
    assert "balances_match_postings" in run.detail
    assert "exit status 1" in run.detail


def test_a_failed_reconciliation_records_an_audit_event_for_operators(corrupted_books):
    run = job_run(RECONCILE)

    entry = AuditLogEntry.objects.get(action="scheduler.job_failed")
    assert (entry.object_type, entry.object_id, entry.actor) == ("job_run", str(run.pk), None)
    assert entry.details["job"] == "reconcile_ledger"
    assert entry.details["error"] == "exit status 1"


def test_a_failed_reconciliation_logs_an_error_line_to_alert_on(corrupted_books, log_lines):
    job_run(RECONCILE)

    [line] = [line for line in log_lines() if line["event"] == "scheduled_job_failed"]
    assert (line["level"], line["job"], line["alert"]) == ("error", "reconcile_ledger", True)


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_settles_a_payout_once_payout_delay_seconds_have_passed(settings, user):
    settings.PAYOUT_DELAY_SECONDS = 1
    wallet = WalletFactory(user=user, currency="usd", balance=10_000)
    payout = payout_create(
        user=user, wallet=wallet.public_id, amount=2_500, account_number="000123456789", routing_number="110000000"
    )
    scheduler = Process.manage(
        "run_scheduler",
        env=child_environment(SCHEDULER_LEADER_RETRY_SECONDS="0.5", SCHEDULE_PROCESS_PAYOUTS_SECONDS="1"),
    )
    try:
        wait_until(lambda: Payout.objects.get(pk=payout.pk).status != Payout.Status.PENDING)
    finally:
        scheduler.signal_group(signal.SIGTERM)
        scheduler.wait()
        scheduler.stop()

    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    assert payout.settled_at >= payout.arrival_date
    assert JobRun.objects.filter(job="process_payouts", detail__contains=payout.public_id).count() == 1
