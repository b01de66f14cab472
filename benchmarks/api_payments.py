"""Card payment throughput: `POST /v1/payment_intents` with `confirm: true` through gunicorn, and
`reconcile_settlement` over a large settlement file.

What it does, all on loopback:

1. Creates and migrates its own database (default pp_payments_bench), then creates `--users`
   users, each with a usd wallet and a tokenized visa card of its own (Luhn-valid 424242… numbers).
2. Starts gunicorn with the production settings (DEBUG=false, HTTPS_ONLY=false, a real
   SECRET_KEY, persistent database connections, `--workers`, default 2 * cores + 1; the simulator
   connectors answer after `--connector-latency-ms`, default 0) and waits for /health.
3. Sends requests for `--seconds` (after `--warmup`) from `--clients` keep-alive connections
   (wrk, or threads with `--load python`, as in `api_transfers.py`): each creates and confirms a
   payment intent of 1.00-100.00 USD into a random user's wallet with that user's card and token
   (routing, the simulator's idempotent authorize-and-capture, the capture entry with its fee, the
   wallet's statement lines and two events). It prints payments/s and p50/p99 latency, and the
   succeeded intents the database gained. Then the same server answers `GET /health` for
   `--health-seconds`: the stack's own ceiling, printed beside the payment rate with their ratio
   (issue 16's goal: at least 0.15).
4. With `--settlement-rows N` (default 100,000; 0 to skip): inserts N captured intents (bulk
   SQL, no connector), writes the matching settlement CSV, and times `settlement_reconcile` on it,
   then a second run of the same file (which must post nothing). `--settlement-only` skips the
   HTTP part (steps 2 and 3) and seeds a single user.

The load generator, gunicorn and PostgreSQL share the machine's cores, so the API figure is a
floor for what a separate load generator would measure.

    .venv/bin/python benchmarks/api_payments.py [--seconds 10] [--clients 16] [--users 200] [--workers N]
        [--connector-latency-ms 0] [--settlement-rows 100000] [--settlement-only]
"""

import argparse
import csv
import datetime
import json
import os
import random
import shlex
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support import (  # noqa: E402 - after the path setup
    LoadResult,
    Request,
    add_load_arguments,
    benchmark_environment,
    database_ready,
    free_port,
    gained_check,
    health_rate,
    measured_load,
    seed_card_users,
    start_gunicorn,
    use_fraud_checks,
)

benchmark_environment(database="pp_payments_bench", redis_db=7)


def _payment_requests(seeded, count: int = 20_000) -> list[Request]:
    """`count` intents of 1.00-100.00 USD, created and confirmed into a random user's wallet with that
    user's card and token."""
    rng = random.Random(15)
    requests = []
    for _ in range(count):
        wallet, method, token = rng.choice(seeded)
        body = {"amount": rng.randint(100, 10_000), "currency": "usd", "wallet": wallet, "payment_method": method}
        body["confirm"] = True
        requests.append(Request("POST", "/v1/payment_intents", token, json.dumps(body)))
    return requests


def _drive_api(base_url: str, requests: list[Request], args) -> tuple[LoadResult, int]:
    """The payments run; returns what the load saw and how many succeeded intents the database gained
    (`measured_load`)."""
    from payments.models import PaymentIntent

    return measured_load(base_url, requests, args, stored=PaymentIntent.objects.filter(status="succeeded").count)


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _settlement(rows: int, seeded) -> None:
    """Insert `rows` captured intents (bulk), write their settlement CSV, time two reconcile runs."""
    from django.db.models import Min
    from django.utils import timezone

    from payments.models import PaymentIntent, SettlementRecord
    from payments.services.settlement import settlement_file_read, settlement_reconcile
    from payments_platform.api.ids import new_public_id
    from wallets.models import Wallet

    wallet = Wallet.objects.select_related("user").get(public_id=seeded[0][0])
    # Each run captures on its own day, the day before the earliest capture in the database, so that
    # the check for captures missing from the file covers this run's intents only, however many
    # runs this database has seen.
    earliest = PaymentIntent.objects.aggregate(earliest=Min("captured_at"))["earliest"]
    now = min(earliest or timezone.now(), timezone.now()) - datetime.timedelta(days=1)
    run = new_public_id("bench")[6:16]
    began = time.perf_counter()
    intents = [
        PaymentIntent(
            public_id=new_public_id("pi"),
            user=wallet.user,
            wallet=wallet,
            amount=1000 + index % 9000,
            currency="usd",
            status="succeeded",
            amount_received=1000 + index % 9000,
            connector="simulator_a",
            connector_reference=f"simulator_a_ch_bench_{run}_{index}",
            captured_at=now,
            created=now,
            updated=now,
        )
        for index in range(rows)
    ]
    PaymentIntent.objects.bulk_create(intents, batch_size=5000)
    print(f"  seeded {rows:,} captured intents in {time.perf_counter() - began:.1f} s")
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["reference", "type", "gross", "fee", "net", "currency", "settled_date"])
        for intent in intents:
            fee = round(intent.amount * 0.005) + 10
            writer.writerow(
                [intent.connector_reference, "charge", intent.amount, fee, intent.amount - fee, "usd", now.date()]
            )
        path = handle.name
    for attempt in ("first run", "second run"):
        began = time.perf_counter()
        with open(path, newline="") as text:
            parsed = settlement_file_read(text)
        report = settlement_reconcile(rows=parsed, connector=None)
        elapsed = time.perf_counter() - began
        print(
            f"  reconcile_settlement {attempt}: {rows:,} rows in {elapsed:.2f} s "
            f"({rows / elapsed:,.0f} rows/s): matched {report.matched:,}, posted {report.posted:,}, "
            f"already settled {report.already_settled:,}, missing in ledger {len(report.missing_in_ledger)}, "
            f"missing in file {len(report.missing_in_file)}, mismatches {len(report.amount_mismatches)}"
        )
    assert SettlementRecord.objects.filter(reference__startswith=f"simulator_a_ch_bench_{run}_").count() == rows
    os.unlink(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="Measured duration (default 10).")
    parser.add_argument("--warmup", type=float, default=2.0, help="Unmeasured warm-up (default 2).")
    parser.add_argument("--clients", type=int, default=16, help="Concurrent HTTP clients (default 16).")
    parser.add_argument("--users", type=int, default=200, help="Users, each with a wallet and a card (default 200).")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1, help="gunicorn workers.")
    parser.add_argument("--connector-latency-ms", type=int, default=0, help="Simulator latency per call (default 0).")
    parser.add_argument("--settlement-rows", type=int, default=100_000, help="Rows for the reconcile run (0: skip).")
    parser.add_argument(
        "--settlement-only", action="store_true", help="Skip the HTTP run: seed one user and time reconcile only."
    )
    parser.add_argument(
        "--health-seconds", type=float, default=5.0, help="Measured /health after the payments run (default 5)."
    )
    add_load_arguments(parser)
    args = parser.parse_args()
    use_fraud_checks(args.fraud_checks)

    database_ready()

    if args.settlement_only:
        print(f"reconcile_settlement over {args.settlement_rows:,} rows (load average {_load()}):")
        _settlement(args.settlement_rows, seed_card_users(1, label="pay-bench"))
        print(f"load average after: {_load()}")
        print("\nRerun: " + shlex.join([".venv/bin/python", "benchmarks/api_payments.py", *sys.argv[1:]]))
        return
    print(f"Seeding {args.users} users with a wallet and a card ...")
    seeded = seed_card_users(args.users, label="pay-bench")
    port = free_port()
    print(f"Starting gunicorn ({args.workers} workers, connector latency {args.connector_latency_ms} ms) ...")
    server = start_gunicorn(port, args.workers, {"PAYMENT_SIMULATOR_LATENCY_MS": str(args.connector_latency_ms)})
    try:
        base_url = f"http://127.0.0.1:{port}"
        result, succeeded = _drive_api(base_url, _payment_requests(seeded), args)
        health = health_rate(base_url, args.clients, args.health_seconds, load=args.load)
    finally:
        server.terminate()
        server.wait(timeout=30)
    created = result.statuses.get(201, 0)
    print(
        f"\nPOST /v1/payment_intents (confirm: true), {args.clients} clients, {result.seconds:.1f} s, "
        f"load {args.load}, fraud checks {args.fraud_checks}:"
    )
    print(f"  {result.rate(201):,.1f} payments/s ({created:,} succeeded; statuses {result.statuses})")
    print(f"  latency p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, mean {result.mean_ms:.1f} ms")
    print(gained_check("succeeded intents", succeeded, result, args.clients))
    payment_rate = result.rate(201)
    print(f"  the same server's GET /health: {health:.1f}/s; payments / /health {payment_rate / health:.3f}")
    if args.settlement_rows:
        print(f"\nreconcile_settlement over {args.settlement_rows:,} rows:")
        _settlement(args.settlement_rows, seeded)
    print("\nRerun: " + shlex.join([".venv/bin/python", "benchmarks/api_payments.py", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
