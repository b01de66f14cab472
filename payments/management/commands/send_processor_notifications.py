"""`python manage.py send_processor_notifications [--once]`: the simulated processor sends its due
notifications (disputes, rulings) to the platform over HTTP, signed per Standard Webhooks."""

import time

from django.core.management.base import BaseCommand

from payments.sandbox.notifications import processor_notifications_send


class Command(BaseCommand):
    help = (
        "Send the simulated processor's due notifications (dispute.created, dispute.closed) to "
        "CONNECTOR_NOTIFICATION_BASE_URL/v1/connectors/<name>/notifications. Safe to run in several "
        "processes at once (rows are claimed with SKIP LOCKED). --once sends what is due and exits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Send what is due now, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between rounds (default 1).")
        parser.add_argument("--limit", type=int, default=100, help="At most this many per round.")

    def handle(self, *args, once: bool, interval: float, limit: int, **options):
        while True:
            counts = processor_notifications_send(limit=max(1, limit))
            if once or counts["sent"] or counts["failed"]:
                self.stdout.write(f"sent {counts['sent']}, failed {counts['failed']}")
            if once:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
