"""Delete stored idempotency keys older than the retention window (default 24 hours)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payments_platform.models import IdempotencyKey

MINIMUM_RETENTION_HOURS = 24


class Command(BaseCommand):
    help = "Delete idempotency keys older than --older-than-hours (at least 24, the contract's minimum)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-hours", type=int, default=MINIMUM_RETENTION_HOURS)

    def handle(self, *args, older_than_hours: int, **options):
        if older_than_hours < MINIMUM_RETENTION_HOURS:
            raise CommandError(f"Keys are kept at least {MINIMUM_RETENTION_HOURS} hours.")
        cutoff = timezone.now() - timedelta(hours=older_than_hours)
        deleted, _ = IdempotencyKey.objects.filter(created__lt=cutoff).delete()
        self.stdout.write(f"Deleted {deleted} idempotency keys created before {cutoff.isoformat()}.")
