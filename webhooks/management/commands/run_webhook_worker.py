"""`python manage.py run_webhook_worker [--once] [--concurrency N]`: deliver due webhooks."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from webhooks import conf
from webhooks.worker import run_workers


class Command(BaseCommand):
    help = "Deliver due webhook attempts until stopped (SIGINT/SIGTERM), or with --once until nothing is due."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Deliver everything due now, then exit.")
        parser.add_argument("--concurrency", type=int, default=4, help="Delivery threads (default 4).")
        parser.add_argument("--poll-interval", type=float, default=1.0, help="Seconds between polls when idle.")

    def handle(self, *args, once: bool, concurrency: int, poll_interval: float, **options):
        if concurrency < 1:
            raise CommandError("--concurrency must be at least 1.")
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stop.set())
        mode = "once" if once else "until stopped"
        self.stdout.write(
            f"Webhook worker: {concurrency} thread(s), {mode}, timeout {conf.timeout_seconds():g} s"
            + (", private URLs allowed" if conf.allow_private_urls() else "")
        )
        attempts = run_workers(concurrency=concurrency, once=once, poll_interval=poll_interval, stop=stop)
        self.stdout.write(self.style.SUCCESS(f"Made {attempts} delivery attempt(s)."))
