"""The example consumer against the real relay and NATS JetStream (NATS_URL), on a stream and
subjects of its own per test (prefix I20_ / i20_), deleted afterwards. Its state lives in a
schema of its own in the test database, dropped afterwards."""

import asyncio
import uuid

import nats
import psycopg
import psycopg.conninfo
import pytest
from django.conf import settings
from django.db import connection

from examples.consumer.consumer import Mirror, consume
from wallets.services import transfer_create
from wallets.tests.factories import WalletFactory
from webhooks.events import event_body
from webhooks.models import Event
from webhooks.relay import EventRelay

NATS_URL = settings.NATS_URL

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def relay():
    suffix = uuid.uuid4().hex[:12]
    stream = f"I20_CONSUMER_{suffix}"
    with EventRelay(url=NATS_URL, stream=stream, subject_prefix=f"i20_{suffix}.events") as running:
        yield running
    asyncio.run(_delete_stream(stream))


async def _delete_stream(stream: str) -> None:
    nc = await nats.connect(NATS_URL)
    try:
        await nc.jetstream().delete_stream(stream)
    finally:
        await nc.close()


def _database_url() -> str:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("prepare_threshold", None)
    params.pop("context", None)
    return psycopg.conninfo.make_conninfo(
        **{key: value for key, value in params.items() if isinstance(value, str | int)}
    )


@pytest.fixture
def mirror():
    mirror = Mirror(_database_url(), schema=f"consumer_{uuid.uuid4().hex[:12]}")
    yield mirror
    mirror.drop()


@pytest.fixture
def wallets(user, other_user):
    return WalletFactory(user=user, currency="usd", balance=10_000), WalletFactory(user=other_user, currency="usd")


def _transfer(wallets, amount: int) -> None:
    source, destination = wallets
    transfer_create(
        user=source.user, source_wallet=source.public_id, destination_wallet=destination.public_id, amount=amount
    )


def _consume(relay, mirror, durable="mirror") -> dict:
    return asyncio.run(
        consume(
            url=NATS_URL,
            stream=relay.stream,
            subjects=f"{relay.subject_prefix}.>",
            durable=durable,
            mirror=mirror,
            once=True,
        )
    )


async def _republish_without_msg_id(relay, events) -> None:
    """What JetStream cannot deduplicate: the same events again without Nats-Msg-Id (as after the window)."""
    nc = await nats.connect(NATS_URL)
    try:
        js = nc.jetstream()
        for event in events:
            await js.publish(f"{relay.subject_prefix}.{event.type}", event_body(event), stream=relay.stream)
    finally:
        await nc.close()


def test_the_consumer_handles_every_relayed_event_once_in_order(relay, mirror, wallets):
    _transfer(wallets, 300)
    _transfer(wallets, 200)
    relay.run(once=True)

    counts = _consume(relay, mirror)

    assert counts == {"handled": 4, "duplicates": 0}  # sender and recipient each get transfer.created
    assert mirror.handled_ids() == list(Event.objects.order_by("id").values_list("public_id", flat=True))
    assert mirror.received() == {wallets[1].public_id: 500}


def test_an_event_published_again_is_skipped_by_its_id(relay, mirror, wallets):
    _transfer(wallets, 300)
    relay.run(once=True)
    _consume(relay, mirror)
    before = mirror.received()

    asyncio.run(_republish_without_msg_id(relay, list(Event.objects.order_by("id"))))
    counts = _consume(relay, mirror)

    assert counts == {"handled": 0, "duplicates": 2}
    assert mirror.received() == before


def test_a_durable_consumer_resumes_after_what_it_acknowledged(relay, mirror, wallets):
    _transfer(wallets, 300)
    relay.run(once=True)
    _consume(relay, mirror)

    _transfer(wallets, 50)
    relay.run(once=True)
    counts = _consume(relay, mirror)

    assert counts == {"handled": 2, "duplicates": 0}
    assert len(mirror.handled_ids()) == 4
