"""Delete the scheduler's JobRun records older than SCHEDULER_JOB_RUN_RETENTION_DAYS (default 30)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from payments_platform.models import JobRun


class Command(BaseCommand):
    help = "Delete JobRun records started more than --days days ago (default SCHEDULER_JOB_RUN_RETENTION_DAYS)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days: int | None, **options):
        days = settings.SCHEDULER_JOB_RUN_RETENTION_DAYS if days is None else max(1, days)
        cutoff = timezone.now() - timedelta(days=days)
        deleted, _ = JobRun.objects.filter(started_at__lt=cutoff).delete()
        self.stdout.write(f"Deleted {deleted} job run(s) started before {cutoff.isoformat()}.")
