from django.core.management.base import BaseCommand

from payments.services import payments_sync


class Command(BaseCommand):
    help = (
        "Finish payment attempts, captures and refunds left pending by a crash, asking each connector "
        "for the outcome of the call (by its idempotency key). Never charges twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=60, help="Only rows untouched for this many seconds (default 60)."
        )

    def handle(self, *args, **options):
        report = payments_sync(older_than_seconds=options["older_than"])
        for label, counts in (
            ("attempts", report.attempts),
            ("captures", report.captures),
            ("refunds", report.refunds),
        ):
            summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items())) or "none pending"
            self.stdout.write(f"{label}: {summary}")
