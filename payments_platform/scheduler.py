"""The scheduler of periodic jobs: one leader among any number of `run_scheduler` processes.

Leadership is a PostgreSQL session advisory lock (`pg_try_advisory_lock`) held on a
dedicated connection that does nothing else. PostgreSQL releases it when that session
ends, so a leader killed with `kill -9` loses it as soon as the server sees the socket
close; a leader whose host vanishes loses it when TCP keepalives (set on that connection,
both sides) give up, about 25 s. A follower retries every `SCHEDULER_LEADER_RETRY_SECONDS`,
so a takeover after `kill -9` takes at most about that long. The leader checks its lock
connection every `SCHEDULER_LOCK_CHECK_SECONDS` and stops scheduling the moment the
connection is gone, since the lock may then belong to someone else.

The jobs run in APScheduler (a thread pool, one thread per job, `max_instances=1` and
`coalesce`), each as its management command through `call_command`, and every run is a
`JobRun` row: `running` when it starts, then `succeeded` or `failed` with the end of its
output. Each job's command is safe to run twice at once anyway (they claim rows with
`SKIP LOCKED` or are idempotent): the lock keeps the schedule single, it is not what keeps
money correct.
"""

import contextlib
import threading
from dataclasses import dataclass, field
from datetime import UTC
from io import StringIO

import structlog
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.core.management import call_command, get_commands
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from django.utils.module_loading import import_string

from payments_platform.models import JobRun

logger = structlog.get_logger(__name__)

LEADER_LOCK_KEY = 0x7363686564756C72  # "schedulr": one scheduler leads at a time
DETAIL_MAX_CHARS = 4000
JOB_FAILED_AUDIT_ACTION = "scheduler.job_failed"  # what a failed "alert" job records (SCHEDULER_ALERT_RECORDER)
# Keepalives on the lock connection, client side and server side (tcp_keepalives_* are per
# session): a leader whose host disappears without closing the socket loses the lock after
# about idle + interval * count = 10 + 5 * 3 = 25 s instead of the kernel's two hours.
_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}
_SERVER_KEEPALIVES = "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3"


@dataclass(frozen=True)
class Job:
    """One entry of `settings.SCHEDULER_JOBS`: the command named `name`, on an interval or a cron line."""

    name: str
    every_seconds: float | None = None
    cron: str | None = None
    args: tuple[str, ...] = field(default_factory=tuple)
    alert: bool = False

    def trigger(self):
        if self.cron:
            return CronTrigger.from_crontab(self.cron, timezone=UTC)
        return IntervalTrigger(seconds=self.every_seconds, timezone=UTC)


def scheduled_jobs(table: dict | None = None) -> list[Job]:
    """The jobs of `settings.SCHEDULER_JOBS` whose command exists; each missing one is logged and skipped."""
    table = settings.SCHEDULER_JOBS if table is None else table
    available = get_commands()
    jobs = []
    for name, spec in table.items():
        if name not in available:
            logger.warning("scheduled_job_skipped", job=name, reason="no management command of that name")
            continue
        if bool(spec.get("every")) == bool(spec.get("cron")):
            raise ValueError(f"SCHEDULER_JOBS[{name!r}] needs exactly one of 'every' (seconds) or 'cron'.")
        jobs.append(
            Job(
                name=name,
                every_seconds=spec.get("every"),
                cron=spec.get("cron"),
                args=tuple(spec.get("args", ())),
                alert=bool(spec.get("alert", False)),
            )
        )
    return jobs


def job_run(job: Job) -> JobRun:
    """Run one job's command now and record the run. Never raises: a failure is a `failed` JobRun,
    an error-level `scheduled_job_failed` log line, and for an alerting job an audit log entry."""
    run = JobRun.objects.create(job=job.name, started_at=timezone.now())
    logger.info("scheduled_job_started", job=job.name, job_run=run.pk)
    output = StringIO()
    outcome, error = JobRun.Outcome.SUCCEEDED, ""
    try:
        call_command(job.name, *job.args, stdout=output, stderr=output)
    except SystemExit as exit_:  # reconcile_ledger exits 1 on a discrepancy
        if exit_.code not in (0, None):
            outcome, error = JobRun.Outcome.FAILED, f"exit status {exit_.code}"
    except Exception as exception:  # noqa: BLE001 - recorded on the run, the scheduler carries on
        outcome, error = JobRun.Outcome.FAILED, f"{type(exception).__name__}: {exception}"
    detail = (output.getvalue() + (f"\n{error}" if error else "")).strip()
    run.finished_at = timezone.now()
    run.outcome = outcome
    run.detail = detail[-DETAIL_MAX_CHARS:]
    run.save(update_fields=["finished_at", "outcome", "detail"])
    if outcome == JobRun.Outcome.FAILED:
        logger.error(
            "scheduled_job_failed",
            job=job.name,
            job_run=run.pk,
            alert=job.alert,
            seconds=round(run.seconds, 3),
            error=error,
            detail=run.detail[-500:],
        )
        if job.alert:
            import_string(settings.SCHEDULER_ALERT_RECORDER)(
                action=JOB_FAILED_AUDIT_ACTION,
                object_type="job_run",
                object_id=str(run.pk),
                details={"job": job.name, "error": error, "detail": run.detail[-1000:]},
            )
    else:
        logger.info("scheduled_job_succeeded", job=job.name, job_run=run.pk, seconds=round(run.seconds, 3))
    return run


def _job_run_in_thread(job: Job) -> None:
    """What APScheduler calls: a run on this pool thread's own connection, closed afterwards."""
    try:
        job_run(job)
    except Exception:  # the database is down: nothing could be recorded, say so
        logger.exception("scheduled_job_not_recorded", job=job.name)
    finally:
        connection.close()


class LeaderLock:
    """The scheduler's session advisory lock, on a connection of its own (never pooled, never reused)."""

    def __init__(self):
        self._wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
        options = dict(self._wrapper.settings_dict.get("OPTIONS", {}))
        options.update(_KEEPALIVES)
        options["options"] = f"{options.get('options', '')} {_SERVER_KEEPALIVES}".strip()
        self._wrapper.settings_dict = {**self._wrapper.settings_dict, "OPTIONS": options}

    @property
    def supported(self) -> bool:
        return self._wrapper.vendor == "postgresql"

    def try_acquire(self) -> bool:
        """Take the lock if no other session holds it; False otherwise (or when PostgreSQL is unreachable)."""
        try:
            self._wrapper.ensure_connection()
            row = self._wrapper.connection.execute("SELECT pg_try_advisory_lock(%s)", [LEADER_LOCK_KEY]).fetchone()
        except Exception as error:  # noqa: BLE001 - a follower keeps retrying through outages
            logger.warning("scheduler_lock_unavailable", error=str(error))
            self.close()
            return False
        if not row[0]:
            self.close()  # a follower holds no connection between attempts
        return bool(row[0])

    def held(self) -> bool:
        """Whether the lock session is still alive (a session lock lasts as long as its session)."""
        try:
            self._wrapper.connection.execute("SELECT 1").fetchone()
        except Exception:  # noqa: BLE001 - any failure means the session, and the lock, may be gone
            return False
        return True

    def close(self) -> None:
        """End the session, which releases the lock."""
        with contextlib.suppress(Exception):  # closing a broken connection
            self._wrapper.close()


def _scheduler_build(jobs: list[Job]) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=UTC,
        executors={"default": ThreadPoolExecutor(max_workers=max(1, len(jobs)))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    now = timezone.now()
    for job in jobs:
        scheduler.add_job(
            _job_run_in_thread,
            trigger=job.trigger(),
            args=[job],
            id=job.name,
            name=job.name,
            # Interval jobs run as soon as a scheduler becomes leader; cron jobs at their time.
            next_run_time=None if job.cron else now,
        )
    return scheduler


def scheduler_run(*, stop: threading.Event, jobs: list[Job] | None = None) -> None:
    """Follow until this process holds the leader lock, then schedule the jobs until `stop` is set
    or the lock connection is lost (then follow again). Returns when `stop` is set."""
    jobs = scheduled_jobs() if jobs is None else jobs
    retry = settings.SCHEDULER_LEADER_RETRY_SECONDS
    check = settings.SCHEDULER_LOCK_CHECK_SECONDS
    following_logged = False
    while not stop.is_set():
        lock = LeaderLock()
        if not lock.supported:
            logger.warning("scheduler_unlocked", reason="the leader lock needs PostgreSQL: run one scheduler only")
        elif not lock.try_acquire():
            if not following_logged:
                logger.info("scheduler_following", retry_seconds=retry)
                following_logged = True
            stop.wait(retry)
            continue
        following_logged = False
        logger.info("scheduler_leading", jobs=[job.name for job in jobs])
        scheduler = _scheduler_build(jobs)
        scheduler.start()
        lost = False
        try:
            while not stop.wait(check):
                if lock.supported and not lock.held():
                    lost = True
                    logger.error("scheduler_lock_lost", reason="the lock connection is gone; following again")
                    break
        finally:
            # On a stop signal, let running jobs finish; on a lost lock, stop scheduling at once.
            scheduler.shutdown(wait=not lost)
            lock.close()
    logger.info("scheduler_stopped")
