"""`python manage.py prune_events [--days N]`: delete events past their retention."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from webhooks import conf
from webhooks.services import events_prune


class Command(BaseCommand):
    help = (
        "Delete events older than the retention (EVENT_RETENTION_DAYS, at least 30), with their finished "
        "deliveries; events with a pending delivery, or not yet relayed to NATS (when NATS_URL is set), are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Keep this many days (at least 30).")

    def handle(self, *args, days: int | None, **options):
        days = conf.event_retention_days() if days is None else days
        if days < 30:
            raise CommandError("Events are kept at least 30 days: --days must be 30 or more.")
        cutoff = timezone.now() - timedelta(days=days)
        deleted = events_prune(older_than=cutoff, keep_unrelayed=bool(conf.nats_url()))
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} event(s) created before {cutoff.isoformat()}."))
