import json
import sys

from django.core.management.base import BaseCommand, CommandError

from payments.services.settlement import (
    SettlementFileInvalid,
    settlement_file_open,
    settlement_file_read,
    settlement_reconcile,
)

SHOWN = 50


class Command(BaseCommand):
    help = (
        "Match a processor settlement CSV against captured payments and refunds, post settlement entries "
        "for what matched (once: a second run posts nothing), and report differences. Exit 1 on any difference."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--connector", help="The connector the file comes from (default: found by reference).")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, **options):
        try:
            with settlement_file_open(options["file"]) as text:
                rows = settlement_file_read(text)
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}") from None
        except SettlementFileInvalid as error:
            raise CommandError(f"{options['file']}: {error}") from None

        def progress(done: int, total: int) -> None:
            width = 30
            filled = width * done // max(total, 1)
            self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} rows", ending="")
            if done >= total:
                self.stderr.write("")

        report = settlement_reconcile(rows=rows, connector=options["connector"], progress=progress)
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2, default=str))
        else:
            self._table(report)
        if not report.clean:
            sys.exit(1)

    def _table(self, report) -> None:
        write = self.stdout.write
        write(f"{'rows in file':<22}{report.rows:>10}")
        write(f"{'matched':<22}{report.matched:>10}")
        write(f"{'  posted now':<22}{report.posted:>10}")
        write(f"{'  already settled':<22}{report.already_settled:>10}")
        write(f"{'missing in ledger':<22}{len(report.missing_in_ledger):>10}")
        write(f"{'missing in file':<22}{len(report.missing_in_file):>10}")
        write(f"{'amount mismatches':<22}{len(report.amount_mismatches):>10}")
        if report.entries:
            write(f"entries posted: {', '.join(report.entries[:SHOWN])}")
        for title, items in (
            ("Missing in ledger", report.missing_in_ledger),
            ("Missing in file", report.missing_in_file),
            ("Amount mismatches", report.amount_mismatches),
        ):
            if items:
                write(f"\n{title}:")
                for item in items[:SHOWN]:
                    write("  " + "  ".join(f"{key}={value}" for key, value in item.items()))
                if len(items) > SHOWN:
                    write(f"  ... and {len(items) - SHOWN} more (use --format json for all)")
        write("\nOK: everything matched." if report.clean else "\nDIFFERENCES FOUND.")
