"""A separate service consuming the platform's events from NATS JetStream (docs/events.asyncapi.yaml).

It knows nothing of Django or of the platform's code: only the stream, the subjects and the JSON
of each event. It subscribes with a *durable* pull consumer (JetStream remembers how far it got,
across restarts), and handles each event exactly once although delivery is at least once: it
records every handled event id in its own PostgreSQL schema in the same transaction as its effect,
and skips an id it has already seen (a redelivery after a missed ack, a replay, a re-publish).

Its "effect" here is a table of the transfers it has seen (the sender's and the recipient's
`transfer.created` events carry the same transfer, so it is keyed by transfer id too), to show
the shape:

    python examples/consumer/consumer.py --stream PAYMENTS --subjects 'payments.events.>' \
        --durable ledger-mirror --database postgres://…/mirror [--schema mirror] [--once]
"""

import argparse
import asyncio
import json

import nats
import psycopg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import FetchTimeoutError
from psycopg import sql


class Mirror:
    """The consumer's own state, in a schema of its own: handled event ids and what it derives from them."""

    def __init__(self, dsn: str, schema: str = "mirror"):
        self.db = psycopg.connect(dsn, autocommit=False)
        self.schema = schema
        with self.db.transaction():
            self.db.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            self.db.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS handled (seq bigserial, event_id text PRIMARY KEY, type text NOT NULL)"
            )
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS transfers (id text PRIMARY KEY, destination text, amount bigint)"
            )

    def handle(self, event: dict) -> bool:
        """Apply `event` once; False (and no effect) when its id was handled before."""
        with self.db.transaction():  # one transaction: the dedupe row and the effect commit together
            inserted = self.db.execute(
                "INSERT INTO handled (event_id, type) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (event["id"], event["type"]),
            ).rowcount
            if not inserted:
                return False
            if event["type"] == "transfer.created":
                transfer = event["data"]["object"]
                self.db.execute(
                    "INSERT INTO transfers (id, destination, amount) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                    (transfer["id"], transfer["destination_wallet"], transfer["amount"]),
                )
        return True

    def handled_ids(self) -> list[str]:
        with self.db.transaction():
            return [row[0] for row in self.db.execute("SELECT event_id FROM handled ORDER BY seq")]

    def received(self) -> dict[str, int]:
        """Money received per destination wallet, from the transfers seen."""
        with self.db.transaction():
            rows = self.db.execute("SELECT destination, SUM(amount)::bigint FROM transfers GROUP BY destination")
            return dict(rows)

    def drop(self) -> None:
        """Remove the consumer's schema (tests)."""
        with self.db.transaction():
            self.db.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema)))
        self.db.close()


async def consume(
    *, url: str, stream: str, subjects: str, durable: str, mirror: Mirror, once: bool, ack_wait: float = 30.0
) -> dict:
    """Fetch and handle events until the stream is drained (`once`) or forever; returns counts."""
    counts = {"handled": 0, "duplicates": 0}
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        config = ConsumerConfig(
            durable_name=durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=ack_wait,
            filter_subject=subjects,
        )
        subscription = await js.pull_subscribe(subjects, durable=durable, stream=stream, config=config)
        while True:
            try:
                batch = await subscription.fetch(50, timeout=1)
            except (FetchTimeoutError, NatsTimeoutError, TimeoutError):  # nothing to fetch right now
                if once:
                    return counts
                continue
            for message in batch:
                event = json.loads(message.data)
                counts["handled" if mirror.handle(event) else "duplicates"] += 1
                await message.ack()  # after the effect committed: a crash before it means a redelivery
    finally:
        await nc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="nats://127.0.0.1:4222")
    parser.add_argument("--stream", default="PAYMENTS")
    parser.add_argument("--subjects", default="payments.events.>")
    parser.add_argument("--durable", default="example-consumer")
    parser.add_argument("--database", required=True, help="PostgreSQL URL of the consumer's own database.")
    parser.add_argument("--schema", default="mirror")
    parser.add_argument("--once", action="store_true", help="Stop when nothing is left to fetch.")
    args = parser.parse_args()
    mirror = Mirror(args.database, args.schema)
    counts = asyncio.run(
        consume(
            url=args.url,
            stream=args.stream,
            subjects=args.subjects,
            durable=args.durable,
            mirror=mirror,
            once=args.once,
        )
    )
    print(f"handled {counts['handled']} events, skipped {counts['duplicates']} duplicates")


if __name__ == "__main__":
    main()
