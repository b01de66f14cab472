"""The event relay: publishes committed events to NATS JetStream, in commit order, without loss.

Why not a cursor: event ids come from a sequence, allocated when a transaction inserts
the row, but transactions commit in any order. A relay that remembered "published up to
id N" would skip an event whose id was allocated before N by a transaction that committed
after the relay read past N. So each event carries `relayed_at`, null until published,
with a partial index on the unpublished ones. The relay, in one transaction per batch:

1. takes a transaction-level advisory lock, so only one relay publishes at a time
   (a second relay waits as a hot standby instead of interleaving batches);
2. selects the oldest unpublished events `ORDER BY id … FOR UPDATE SKIP LOCKED`: only
   committed events are visible, so an event is never published before its transaction
   committed, and a late-committing event with a low id is simply found by a later batch;
3. publishes them one after another to subject `<prefix>.<type>` with `Nats-Msg-Id` set
   to the event id, waiting for each JetStream ack;
4. sets `relayed_at` and commits.

Events are thus published in the order they became visible (commit order, batch by
batch; id order within a batch). A crash after publishing and before the commit leaves
the batch unmarked: the next run publishes it again and JetStream drops the duplicates
(same `Nats-Msg-Id` within the stream's duplicate window, one hour by default). Nothing
committed is lost; nothing uncommitted is published.
"""

import asyncio
import time

import nats
import structlog
from django.db import connection, transaction
from django.utils import timezone
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from webhooks import conf
from webhooks.events import event_body
from webhooks.models import Event

logger = structlog.get_logger(__name__)

_ADVISORY_LOCK_KEY = 0x77685F72656C6179  # "wh_relay": one relay publishes at a time
MAX_FAILURE_BACKOFF_SECONDS = 5.0


class EventRelay:
    """A connection to JetStream and the loop that relays batches of events. Use as a context manager."""

    def __init__(
        self,
        *,
        url: str | None = None,
        stream: str | None = None,
        subject_prefix: str | None = None,
        duplicate_window_seconds: int | None = None,
    ):
        self.url = url or conf.nats_url()
        self.stream = stream or conf.nats_stream()
        self.subject_prefix = subject_prefix or conf.nats_subject_prefix()
        self.duplicate_window_seconds = duplicate_window_seconds or conf.nats_duplicate_window_seconds()
        self._loop = asyncio.new_event_loop()
        self._nc = None
        self._js = None

    def __enter__(self) -> "EventRelay":
        self._loop.run_until_complete(self._connect())
        return self

    def __exit__(self, *exc_info) -> None:
        if self._nc is not None:
            self._loop.run_until_complete(self._nc.drain())
        self._loop.close()

    async def _connect(self) -> None:
        # Reconnect forever: an outage of NATS must not end the relay (events wait in the outbox).
        self._nc = await nats.connect(self.url, connect_timeout=5, max_reconnect_attempts=-1, reconnect_time_wait=1)
        self._js = self._nc.jetstream()
        try:
            await self._js.stream_info(self.stream)
        except NotFoundError:
            await self._js.add_stream(
                StreamConfig(
                    name=self.stream,
                    subjects=[f"{self.subject_prefix}.>"],
                    duplicate_window=float(self.duplicate_window_seconds),
                )
            )
            logger.info("nats_stream_created", stream=self.stream)

    def subject_for(self, event: Event) -> str:
        return f"{self.subject_prefix}.{event.type}"

    async def _publish(self, events: list[Event]) -> int:
        duplicates = 0
        for event in events:
            ack = await self._js.publish(
                self.subject_for(event), event_body(event), stream=self.stream, headers={"Nats-Msg-Id": event.public_id}
            )
            duplicates += bool(ack.duplicate)
        return duplicates

    def relay_batch(self, *, batch_size: int = 500) -> int:
        """Publish and mark up to `batch_size` of the oldest unpublished events; return how many."""
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
                if not cursor.fetchone()[0]:
                    return 0
            events = list(
                Event.objects.select_for_update(skip_locked=True)
                .filter(relayed_at__isnull=True)
                .order_by("id")[:batch_size]
            )
            if not events:
                return 0
            duplicates = self._loop.run_until_complete(self._publish(events))
            Event.objects.filter(pk__in=[event.pk for event in events]).update(relayed_at=timezone.now())
        logger.info("events_relayed", count=len(events), duplicates=duplicates, last_event=events[-1].public_id)
        return len(events)

    def run(self, *, once: bool = False, poll_interval: float = 0.5, stop=None, on_batch=None) -> int:
        """Relay until nothing is pending (`once`) or until `stop` is set; return how many were published.

        A failed batch (NATS or PostgreSQL unavailable) is rolled back, so its events stay
        unpublished; without `once` the loop logs it, waits (backing off to
        `MAX_FAILURE_BACKOFF_SECONDS`) and tries again, so an outage never ends the relay.
        """
        total = 0
        failures = 0
        while stop is None or not stop.is_set():
            try:
                count = self.relay_batch()
            except Exception as error:  # any failure: the batch rolled back, so retry it
                if once:
                    raise
                failures += 1
                connection.close_if_unusable_or_obsolete()  # a broken one is reopened by the next batch
                logger.warning("relay_batch_failed", error_class=type(error).__name__, failures=failures)
                self._wait(stop, min(poll_interval * 2**failures, MAX_FAILURE_BACKOFF_SECONDS))
                continue
            failures = 0
            total += count
            if count and on_batch is not None:
                on_batch(count, total)
            if not count:
                if once:
                    break
                self._wait(stop, poll_interval)
        return total

    @staticmethod
    def _wait(stop, seconds: float) -> None:
        if stop is not None:
            stop.wait(seconds)
        else:
            time.sleep(seconds)
