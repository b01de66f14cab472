"""The scheduler's jobs, their recorded runs, and `job_last_runs` (leader election: tests/operations)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from payments_platform.models import JobRun
from payments_platform.scheduler import Job, job_run, scheduled_jobs
from payments_platform.selectors import job_last_runs
from payments_platform.tests.factories import JobRunFactory

pytestmark = pytest.mark.django_db


def test_a_succeeded_run_is_recorded_with_its_timing_and_output():
    run = job_run(Job(name="prune_job_runs", every_seconds=60))

    run.refresh_from_db()
    assert run.outcome == JobRun.Outcome.SUCCEEDED
    assert run.started_at <= run.finished_at
    assert "Deleted 0 job run(s)" in run.detail


def test_a_run_whose_command_raises_is_recorded_as_failed_with_the_error(log_lines):
    run = job_run(Job(name="prune_idempotency_keys", every_seconds=60, args=("--older-than-hours", "1")))

    run.refresh_from_db()
    assert run.outcome == JobRun.Outcome.FAILED
    assert run.finished_at is not None
    assert "CommandError: Keys are kept at least 24 hours." in run.detail
    [line] = [line for line in log_lines() if line["event"] == "scheduled_job_failed"]
    assert (line["level"], line["job"], line["job_run"]) == ("error", "prune_idempotency_keys", run.pk)


def test_a_job_runs_its_command_for_real():
    JobRunFactory(job="old", started_at=timezone.now() - timedelta(days=31), outcome="succeeded")
    JobRunFactory(job="recent", started_at=timezone.now() - timedelta(days=1), outcome="succeeded")

    job_run(Job(name="prune_job_runs", every_seconds=60))

    assert set(JobRun.objects.values_list("job", flat=True)) == {"recent", "prune_job_runs"}


def test_a_job_whose_command_does_not_exist_is_skipped_with_a_warning(log_lines):
    jobs = scheduled_jobs({"no_such_command": {"every": 60}, "prune_job_runs": {"every": 60}})

    assert [job.name for job in jobs] == ["prune_job_runs"]
    [line] = [line for line in log_lines() if line["event"] == "scheduled_job_skipped"]
    assert (line["level"], line["job"]) == ("warning", "no_such_command")


def test_a_job_needs_exactly_one_of_an_interval_or_a_cron_line():
    with pytest.raises(ValueError, match="exactly one of"):
        scheduled_jobs({"prune_job_runs": {"every": 60, "cron": "0 3 * * *"}})


def test_the_configured_table_schedules_every_periodic_job(settings):
    names = set(settings.SCHEDULER_JOBS)

    assert {
        "process_payouts",
        "expire_payment_intents",
        "sync_payment_attempts",
        "prune_events",
        "prune_idempotency_keys",
        "reconcile_ledger",
        "send_processor_notifications",
    } <= names
    assert settings.SCHEDULER_JOBS["reconcile_ledger"]["alert"] is True


def test_intervals_come_from_settings(settings):
    settings.SCHEDULER_JOBS = {"process_payouts": {"every": 7}, "reconcile_ledger": {"cron": "15 4 * * *"}}

    payouts, reconcile = scheduled_jobs()

    assert (payouts.every_seconds, payouts.trigger().interval) == (7, timedelta(seconds=7))
    assert reconcile.cron == "15 4 * * *"
    assert str(reconcile.trigger().fields[5]) == "4"  # the hour field


def test_job_last_runs_returns_the_latest_run_of_each_job():
    now = timezone.now()
    JobRunFactory(job="a", started_at=now - timedelta(minutes=2), outcome="failed")
    latest_a = JobRunFactory(job="a", started_at=now - timedelta(minutes=1), outcome="succeeded")
    latest_b = JobRunFactory(job="b", started_at=now, outcome="running")

    assert job_last_runs() == {"a": latest_a, "b": latest_b}


def test_list_prints_each_job_and_its_schedule(settings):
    settings.SCHEDULER_JOBS = {
        "prune_job_runs": {"every": 45},
        "reconcile_ledger": {"cron": "30 2 * * *", "alert": True},
    }
    out = StringIO()

    call_command("run_scheduler", "--list", stdout=out)

    assert "prune_job_runs" in out.getvalue() and "every 45 s" in out.getvalue()
    assert "cron 30 2 * * * (UTC)  (alerts on failure)" in out.getvalue()
