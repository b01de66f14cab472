"""Concurrent capture postings: the hot fee and receivable accounts on one row, then over shards.

Each thread posts captures through `payments.services.postings.capture_post` (the entry a capture
writes: debit the connector receivable, credit the wallet, debit the wallet's fee, credit fee
revenue; each in its own `transaction.atomic()`) for a fixed time, for payment intents of 100.00
into one of 64 wallets chosen at random, so that the wallets spread the load and the two system
accounts are what every capture shares. It runs with `LEDGER_SYSTEM_ACCOUNT_SHARDS=1` (every
capture locks the same two rows) and with `--shards` (default 8), alternating, and prints
captures/s for both, their ratio, the load average before each run and the command to rerun.

The intents are unsaved model instances with a fresh primary key each (the shard key): the
benchmark measures the ledger part of a capture, not the connector call or the intent's update.
In a real capture the locks are held longer (the intent's update, its event and the idempotency
key commit in the same transaction), so the gain of sharding there is at least this one.

The script uses its own database (default pp_capture_bench), migrates it, and adds fresh wallets
per run. PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_capture_bench \\
        .venv/bin/python benchmarks/capture_postings.py [--seconds 5] [--threads 16] [--shards 8] [--repeat 2]
"""

import argparse
import itertools
import os
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support import benchmark_environment, database_ready  # noqa: E402 - after the path setup

benchmark_environment(database="pp_capture_bench", redis_db=11)

WALLETS = 64
AMOUNT = 10_000


def _seed_wallets(run: str) -> list:
    from accounts.models import User
    from wallets.services import wallet_create

    users = [User.objects.create_user(email=f"capture-bench-{run}-{index}@example.com") for index in range(WALLETS)]
    return [wallet_create(user=user, currency="usd") for user in users]


def _capture_worker(wallets, keys, stop, counter):
    from django.db import connection, transaction

    from payments.models import PaymentIntent
    from payments.services.postings import capture_post

    rng = random.Random()
    done = 0
    try:
        while not stop.is_set():
            wallet = rng.choice(wallets)
            key = next(keys)
            intent = PaymentIntent(
                pk=key,
                public_id=f"pi_bench{key}",
                user=wallet.user,
                wallet=wallet,
                amount=AMOUNT,
                currency="usd",
                connector="simulator_a",
            )
            with transaction.atomic():
                capture_post(intent=intent, amount=AMOUNT)
            done += 1
    finally:
        connection.close()
        counter.append(done)


def _run(wallets, keys, *, shards: int, threads: int, seconds: float) -> tuple[float, float]:
    """Captures per second with `shards` shards, and the 1-minute load average before the run."""
    from django.conf import settings

    settings.LEDGER_SYSTEM_ACCOUNT_SHARDS = shards
    load = os.getloadavg()[0]
    stop = threading.Event()
    counter: list[int] = []
    pool = [threading.Thread(target=_capture_worker, args=(wallets, keys, stop, counter)) for _ in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in pool:
        thread.join()
    return sum(counter) / (time.perf_counter() - started), load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="Duration of each timed run.")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--shards", type=int, default=8, help="LEDGER_SYSTEM_ACCOUNT_SHARDS of the sharded runs.")
    parser.add_argument("--repeat", type=int, default=2, help="Pairs of runs, in alternating order.")
    args = parser.parse_args()

    database_ready()
    from django.db import connection

    run = str(time.time_ns())
    wallets = _seed_wallets(run)
    # Fresh shard keys, so no run reuses an intent's key; a large start keeps clear of real intents.
    keys = itertools.count(time.time_ns() // 1000)
    # Shard accounts are created on first use: create them before timing anything.
    _run(wallets, keys, shards=args.shards, threads=args.shards * 2, seconds=1)
    connection.close()

    print(
        f"{WALLETS} wallets, {args.threads} threads, {args.seconds:g}s per run, capture postings of "
        f"{AMOUNT} minor units (cpu count {os.cpu_count()})"
    )
    print(f"{'pair':<5} {'shards':>6}  {'captures/s':>11}  {'load avg':>8}")
    rates: dict[int, list[float]] = {1: [], args.shards: []}
    for attempt in range(args.repeat):
        order = [1, args.shards] if attempt % 2 == 0 else [args.shards, 1]
        for shards in order:
            rate, load = _run(wallets, keys, shards=shards, threads=args.threads, seconds=args.seconds)
            rates[shards].append(rate)
            print(f"{attempt + 1:<5} {shards:>6}  {rate:>11,.0f}  {load:>8.2f}", flush=True)
    one, sharded = (sum(rates[n]) / len(rates[n]) for n in (1, args.shards))
    print(f"\nmean: 1 shard {one:,.0f}/s, {args.shards} shards {sharded:,.0f}/s, ratio {sharded / one:.2f}x")
    print(
        "\nrerun: DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_capture_bench "
        "python benchmarks/capture_postings.py " + " ".join(sys.argv[1:])
    )


if __name__ == "__main__":
    main()
