import sys
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from payments.services.settlement import settlement_report_write


class Command(BaseCommand):
    help = "Write the settlement CSV a (simulated) processor sends for one day: one row per capture and refund."

    def add_arguments(self, parser):
        parser.add_argument("--connector", required=True, help="A connector in PAYMENT_CONNECTORS.")
        parser.add_argument("--date", required=True, help="YYYY-MM-DD (UTC).")
        parser.add_argument("--output", help="A file to write (default: standard output).")

    def handle(self, *args, **options):
        if options["connector"] not in settings.PAYMENT_CONNECTORS:
            raise CommandError(f"Unknown connector {options['connector']!r}.")
        try:
            day = date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError("--date must be YYYY-MM-DD.") from None
        if options["output"]:
            with open(options["output"], "w", newline="", encoding="utf-8") as out:
                count = settlement_report_write(connector=options["connector"], day=day, out=out)
            self.stderr.write(f"Wrote {count} row(s) to {options['output']}.")
        else:
            count = settlement_report_write(connector=options["connector"], day=day, out=sys.stdout)
            self.stderr.write(f"Wrote {count} row(s).")
