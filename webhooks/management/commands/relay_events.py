"""`python manage.py relay_events [--once]`: publish committed events to NATS JetStream."""

import signal
import threading

import structlog
from django.core.management.base import BaseCommand, CommandError

from webhooks import conf
from webhooks.relay import EventRelay

logger = structlog.get_logger(__name__)


class Command(BaseCommand):
    help = "Publish every committed event to NATS JetStream (stream PAYMENTS, subject payments.events.<type>)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Publish what is pending, then exit.")
        parser.add_argument("--poll-interval", type=float, default=0.5, help="Seconds between polls when idle.")

    def handle(self, *args, once: bool, poll_interval: float, **options):
        if not conf.nats_url() and once:
            raise CommandError("NATS_URL is not set: there is nowhere to relay events to.")
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stop.set())
        if not conf.nats_url():
            # Under `make run` (honcho) one process exiting stops them all; with no NATS to relay
            # to, the relay waits for its stop signal instead, saying why, and events stay in the
            # outbox (relayed_at null) for whenever a relay with NATS_URL starts.
            logger.warning("relay_idle", reason="NATS_URL is not set: events are not relayed; set it and restart")
            self.stdout.write("NATS_URL is not set: the relay is idle (events wait in the outbox). Ctrl-C stops it.")
            stop.wait()
            return
        with EventRelay() as relay:
            self.stdout.write(f"Relaying events to stream {relay.stream} ({relay.subject_prefix}.<type>)")
            total = relay.run(
                once=once,
                poll_interval=poll_interval,
                stop=stop,
                on_batch=lambda count, total: self.stdout.write(f"  published {count} (total {total})"),
            )
        self.stdout.write(self.style.SUCCESS(f"Published {total} event(s)."))
