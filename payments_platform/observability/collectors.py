"""Scrape-time gauges of payments_platform itself: the last run of each scheduled job.

The scheduler provides `payments_platform.selectors.job_last_runs()`, returning
`{job_name: JobRun(job, started_at, finished_at, outcome)}` with `outcome` one of
`JobRun.Outcome`. Where it is not installed the import fails and these gauges are simply
absent, which the "scheduler down" alert treats as down.
"""

from prometheus_client.core import GaugeMetricFamily


def _timestamp(moment) -> float:
    return moment.timestamp() if moment is not None else 0.0


def scheduled_jobs():
    try:
        from payments_platform.models import JobRun
        from payments_platform.selectors import job_last_runs
    except ImportError:  # the scheduler is not installed in this build
        return
    started = GaugeMetricFamily(
        "payments_job_last_started_timestamp_seconds", "When each scheduled job's last run started.", labels=["job"]
    )
    finished = GaugeMetricFamily(
        "payments_job_last_finished_timestamp_seconds",
        "When each scheduled job's last run finished (0 while it runs).",
        labels=["job"],
    )
    outcome = GaugeMetricFamily(
        "payments_job_last_outcome",
        "1 for the outcome of each scheduled job's last run (running, succeeded, failed), 0 for the others.",
        labels=["job", "outcome"],
    )
    for job, run in sorted(job_last_runs().items()):
        started.add_metric([job], _timestamp(run.started_at))
        finished.add_metric([job], _timestamp(run.finished_at))
        for name in JobRun.Outcome.values:
            outcome.add_metric([job, name], 1 if run.outcome == name else 0)
    yield from (started, finished, outcome)
