"""`python manage.py run_scheduler`: run every periodic job of SCHEDULER_JOBS, one leader at a time."""

import logging
import signal
import threading

from django.core.management.base import BaseCommand

from payments_platform.scheduler import scheduled_jobs, scheduler_run


class Command(BaseCommand):
    help = (
        "Run the periodic jobs of settings.SCHEDULER_JOBS (payouts, expiry, connector sync, retention, the "
        "nightly reconcile_ledger, ...). Any number may run: one holds a PostgreSQL advisory lock and "
        "schedules, the others wait to take over. Each run is recorded as a JobRun. Stops on SIGINT/SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="Print the jobs and their schedules, then exit.")

    def handle(self, *args, list: bool, **options):
        jobs = scheduled_jobs()
        for job in jobs:
            schedule = f"cron {job.cron} (UTC)" if job.cron else f"every {job.every_seconds:g} s"
            self.stdout.write(f"  {job.name:<30} {schedule}{'  (alerts on failure)' if job.alert else ''}")
        if list:
            return
        # APScheduler logs every run at info; our own scheduled_job_* lines say the same with the JobRun id.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"Scheduling {len(jobs)} job(s) once this process holds the leader lock.")
        scheduler_run(stop=stop, jobs=jobs)
        self.stdout.write("Scheduler stopped.")
