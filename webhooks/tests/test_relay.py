"""The event relay against the real NATS JetStream server of NATS_URL (the session's embedded one when unset).

Each test uses its own stream and subjects (and deletes them), so runs never interfere
with each other or with the real `PAYMENTS` stream.
"""

import asyncio
import os
import threading
import uuid

import nats
import orjson
import pytest
from django.db import connection, transaction

from webhooks.events import event_body
from webhooks.models import Event
from webhooks.relay import EventRelay
from webhooks.services import event_record

NATS_URL = os.environ["NATS_URL"]  # set by payments_platform.pytest_plugin


async def _stream_messages(stream: str) -> list:
    nc = await nats.connect(NATS_URL)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        return [await js.get_msg(stream, seq) for seq in range(info.state.first_seq, info.state.last_seq + 1)]
    finally:
        await nc.close()


async def _delete_stream(stream: str) -> None:
    nc = await nats.connect(NATS_URL)
    try:
        await nc.jetstream().delete_stream(stream)
    finally:
        await nc.close()


@pytest.fixture
def relay():
    suffix = uuid.uuid4().hex[:12]
    stream = f"TEST_PAYMENTS_{suffix}"
    with EventRelay(url=NATS_URL, stream=stream, subject_prefix=f"test_{suffix}.events") as running:
        yield running
    asyncio.run(_delete_stream(stream))


def _record(user, event_type: str, n: int) -> Event:
    with transaction.atomic():
        return event_record(user=user, event_type=event_type, data_object={"n": n})


@pytest.mark.django_db
def test_every_event_is_published_in_order_with_its_id_as_msg_id_and_its_json_as_body(relay, user):
    events = [_record(user, "transfer.created", 0), _record(user, "payout.paid", 1), _record(user, "payout.failed", 2)]

    assert relay.run(once=True) == 3

    messages = asyncio.run(_stream_messages(relay.stream))
    assert [m.headers["Nats-Msg-Id"] for m in messages] == [e.public_id for e in events]
    assert [m.subject for m in messages] == [f"{relay.subject_prefix}.{e.type}" for e in events]
    assert [m.data for m in messages] == [event_body(e) for e in events]
    assert orjson.loads(messages[0].data)["object"] == "event"
    assert not Event.objects.filter(relayed_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_second_run_publishes_nothing_new(relay, user):
    _record(user, "transfer.created", 0)
    relay.run(once=True)

    assert relay.run(once=True) == 0
    assert len(asyncio.run(_stream_messages(relay.stream))) == 1


@pytest.mark.django_db
def test_a_crash_between_publish_and_record_produces_a_duplicate_that_jetstream_drops(relay, user):
    _record(user, "transfer.created", 0)
    _record(user, "transfer.created", 1)
    relay.run(once=True)
    Event.objects.update(relayed_at=None)  # as if the relay died before committing what it published

    assert relay.run(once=True) == 2

    assert len(asyncio.run(_stream_messages(relay.stream))) == 2


@pytest.mark.django_db(transaction=True)
def test_an_event_committed_after_a_later_id_was_relayed_is_not_skipped(relay, user):
    """Transaction A takes an id first but commits last; a naive `id > last` cursor would skip it."""
    id_taken = threading.Event()
    may_commit = threading.Event()

    def slow_transaction():
        with transaction.atomic():
            event_record(user=user, event_type="transfer.created", data_object={"who": "slow"})
            id_taken.set()
            may_commit.wait(10)
        connection.close()

    slow = threading.Thread(target=slow_transaction)
    slow.start()
    id_taken.wait(10)
    fast = _record(user, "transfer.created", 1)

    assert relay.run(once=True) == 1
    may_commit.set()
    slow.join()
    assert relay.run(once=True) == 1

    messages = asyncio.run(_stream_messages(relay.stream))
    slow_event = Event.objects.get(data__object__who="slow")
    assert slow_event.pk < fast.pk
    assert [m.headers["Nats-Msg-Id"] for m in messages] == [fast.public_id, slow_event.public_id]


@pytest.mark.django_db(transaction=True)
def test_the_relay_survives_a_failing_batch_and_publishes_once_the_stream_is_back(relay, user, caplog):
    """The stream disappears (as in a NATS outage): publishing fails, the batch rolls back, the
    loop backs off and retries, and the event is published once the stream exists again."""
    asyncio.run(_delete_stream(relay.stream))
    event = _record(user, "transfer.created", 0)
    stop = threading.Event()

    async def recreate_stream() -> None:
        connection_ = await nats.connect(NATS_URL)
        await connection_.jetstream().add_stream(name=relay.stream, subjects=[f"{relay.subject_prefix}.>"])
        await connection_.drain()

    threading.Timer(0.5, lambda: asyncio.run(recreate_stream())).start()
    threading.Timer(15, stop.set).start()  # a bound, should the retry never succeed

    published = relay.run(poll_interval=0.1, stop=stop, on_batch=lambda count, total: stop.set())

    assert published == 1
    assert any("relay_batch_failed" in str(record.msg) for record in caplog.records)
    event.refresh_from_db()
    assert event.relayed_at is not None
    assert len(asyncio.run(_stream_messages(relay.stream))) == 1
