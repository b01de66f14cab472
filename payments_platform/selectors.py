"""Reads of the shared plumbing's models."""

from payments_platform.models import JobRun


def job_last_runs() -> dict[str, JobRun]:
    """The most recent run of each job the scheduler has run, by job name (DISTINCT ON)."""
    runs = JobRun.objects.order_by("job", "-started_at", "-pk").distinct("job")
    return {run.job: run for run in runs}
