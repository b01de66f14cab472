"""GET /metrics: the scheduled jobs' last runs, read through `payments_platform.selectors.job_last_runs()`.

The scheduler is built in another issue; until it lands, these tests give the module the function
it will provide (the documented interface), and check the gauges are absent without it.
"""

import sys
import types
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from payments_platform.observability.collectors import scheduled_jobs


@dataclass
class JobRun:  # the scheduler's shape: job, started_at, finished_at, outcome
    job: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str


STARTED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FINISHED = datetime(2026, 12, 1, 9, 0, 5, tzinfo=UTC)


@pytest.fixture
def job_last_runs(monkeypatch):
    runs = {
        "reconcile_ledger": JobRun("reconcile_ledger", STARTED, FINISHED, "failed"),
        "process_payouts": JobRun("process_payouts", STARTED, None, "running"),
    }
    module = sys.modules.get("payments_platform.selectors")
    if module is None:
        module = types.ModuleType("payments_platform.selectors")
        monkeypatch.setitem(sys.modules, "payments_platform.selectors", module)
    monkeypatch.setattr(module, "job_last_runs", lambda: runs, raising=False)
    return runs


def samples() -> dict[tuple, float]:
    return {
        (family.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in scheduled_jobs()
        for sample in family.samples
    }


def test_the_outcome_of_each_jobs_last_run_is_one_and_the_others_zero(job_last_runs):
    found = samples()

    assert found[("payments_job_last_outcome", (("job", "reconcile_ledger"), ("outcome", "failed")))] == 1
    assert found[("payments_job_last_outcome", (("job", "reconcile_ledger"), ("outcome", "succeeded")))] == 0
    assert found[("payments_job_last_outcome", (("job", "process_payouts"), ("outcome", "running")))] == 1


def test_each_jobs_last_start_and_finish_are_unix_timestamps(job_last_runs):
    found = samples()

    assert found[("payments_job_last_started_timestamp_seconds", (("job", "reconcile_ledger"),))] == STARTED.timestamp()
    assert (
        found[("payments_job_last_finished_timestamp_seconds", (("job", "reconcile_ledger"),))] == FINISHED.timestamp()
    )
    assert found[("payments_job_last_finished_timestamp_seconds", (("job", "process_payouts"),))] == 0


def test_there_are_no_job_gauges_without_the_scheduler(monkeypatch):
    module = sys.modules.get("payments_platform.selectors")
    if module is not None and hasattr(module, "job_last_runs"):
        pytest.skip("the scheduler's job_last_runs() is installed")
    monkeypatch.setitem(sys.modules, "payments_platform.selectors", None)  # import fails: ImportError

    assert list(scheduled_jobs()) == []
