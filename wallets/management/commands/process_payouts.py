"""Settle pending payouts with the (simulated) bank: `paid`, or `failed` with the money returned."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from wallets.models import Payout
from wallets.services import payout_settle_next


class Command(BaseCommand):
    help = (
        "Settle the pending payouts that are due (arrival_date passed) with the simulated bank: each becomes "
        "paid, or failed with its money returned to the wallet. --all settles every pending payout now. "
        "Safe to run in several processes at once: each payout is claimed with FOR UPDATE SKIP LOCKED."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Settle every pending payout, due or not.")
        parser.add_argument("--limit", type=int, default=None, help="Settle at most this many payouts.")

    def handle(self, *args, **options):
        due_by = None if options["all"] else timezone.now()
        limit = options["limit"]
        counts = {Payout.Status.PAID: 0, Payout.Status.FAILED: 0}
        while limit is None or sum(counts.values()) < limit:
            payout = payout_settle_next(due_by=due_by)
            if payout is None:
                break
            counts[payout.status] += 1
            detail = f" ({payout.failure_code})" if payout.failure_code else ""
            self.stdout.write(f"{payout.public_id}: {payout.status}{detail}, {payout.amount} {payout.currency}")
        waiting = Payout.objects.filter(status=Payout.Status.PENDING).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Settled {sum(counts.values())} payout(s): {counts[Payout.Status.PAID]} paid, "
                f"{counts[Payout.Status.FAILED]} failed. {waiting} still pending"
                + ("." if options["all"] or not waiting else " (not yet due; --all settles them now).")
            )
        )
