"""`python manage.py reconcile_ledger`: verify the books; exit 0 when clean, 1 otherwise."""

import json
import sys
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from ledger.models import ReconciliationRun
from ledger.reconciliation import Check, all_checks, reconcile


class Command(BaseCommand):
    help = (
        "Verify the ledger: entries sum to zero per currency, stored balances and running balances equal "
        "their postings, no non-overdraft account is negative, posting currencies match their accounts, and "
        "each currency's trial balance is zero; and every wallet's statement lines match its ledger postings. "
        "Each run is recorded (ReconciliationRun) for the admin overview. Exit 0 when clean, 1 when anything is off."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json"], default="text", help="Report format.")
        parser.add_argument(
            "--limit", type=int, default=100, help="List at most this many discrepancies per check (all are counted)."
        )

    def handle(self, *args, format: str, limit: int, **options):
        started = time.perf_counter()
        started_at = timezone.now()
        checks = all_checks()
        position = {check.name: index for index, check in enumerate(checks, start=1)}

        def progress(check: Check) -> None:
            self.stderr.write(f"[{position[check.name]}/{len(checks)}] {check.name} ...", ending="")
            self.stderr.flush()

        results = []
        for result in reconcile(limit=max(1, limit), on_start=progress):
            self.stderr.write(f" {'ok' if result.ok else 'FAILED'} ({result.seconds:.2f}s)")
            results.append(result)
        clean = all(result.ok for result in results)
        elapsed = time.perf_counter() - started
        ReconciliationRun.record(started=started_at, results=results)

        if format == "json":
            report = {"ok": clean, "seconds": round(elapsed, 3), "checks": [r.as_dict() for r in results]}
            self.stdout.write(json.dumps(report, indent=2, default=str))
        else:
            self._write_table(results, clean, elapsed)
        if not clean:
            sys.exit(1)

    def _write_table(self, results, clean: bool, elapsed: float) -> None:
        width = max(len(result.name) for result in results)
        self.stdout.write(f"{'check':<{width}}  {'status':<8}  {'issues':>7}  {'time':>7}  description")
        self.stdout.write(f"{'-' * width}  {'-' * 8}  {'-' * 7}  {'-' * 7}  {'-' * 11}")
        for result in results:
            status = self.style.SUCCESS("ok      ") if result.ok else self.style.ERROR("FAILED  ")
            self.stdout.write(
                f"{result.name:<{width}}  {status}  {result.count:>7}  {result.seconds:>6.2f}s  {result.description}"
            )
        for result in results:
            if result.ok:
                continue
            shown = len(result.discrepancies)
            more = f" (first {shown} shown)" if shown < result.count else ""
            self.stdout.write(f"\n{result.name}: {result.count} discrepanc{'y' if result.count == 1 else 'ies'}{more}")
            for row in result.discrepancies:
                self.stdout.write("  " + "  ".join(f"{key}={value}" for key, value in row.items()))
        summary = "Ledger is consistent." if clean else "Ledger has discrepancies."
        style = self.style.SUCCESS if clean else self.style.ERROR
        self.stdout.write("\n" + style(f"{summary} {len(results)} checks in {elapsed:.2f}s."))
