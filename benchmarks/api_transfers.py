"""End-to-end transfer throughput: authenticated `POST /v1/transfers` through gunicorn, against
the in-process `post_entry` rate for the same work.

What it does, all on loopback:

1. Creates and migrates its own database (default pp_transfers_bench), then opens `--wallets`
   usd wallets, one user each, through `wallet_create`, each funded through the ledger
   (`wallet_adjust`) with enough money that transfers never run out.
2. Starts gunicorn with the production settings (DEBUG=false, HTTPS_ONLY=false, a real
   SECRET_KEY, persistent database connections, `--workers`, default 2 * cores + 1) and waits
   for /health.
3. Sends transfers for `--seconds` (after `--warmup`) from `--clients` keep-alive connections:
   each request is a transfer of 1-100 cents between two random wallets, sent with the source
   owner's bearer token. The load generator is wrk (`--load wrk`, the default when Debian's `wrk`
   is installed, as in issue 16's measurements) or `--load python` (threads with one httpx client
   each, which spend most of a core on themselves: `benchmarks/wrk.py`). It prints transfers/s
   and p50/p99 latency, and the transfers the database gained, which must be at least the 201s
   (the requests still in flight when wrk stops are answered but not counted).
4. In the same run, in this process, the same number of threads call `ledger.services.post_entry`
   (the ledger core alone: two lines between two random wallets' accounts) and then
   `wallets.services.transfer_create` (the whole use case without HTTP) for `--seconds` each,
   and prints their rates and the ratio API / post_entry.

The load generator, gunicorn and PostgreSQL share the machine's cores, so the API figure is a
floor for what a separate load generator would measure.

    .venv/bin/python benchmarks/api_transfers.py [--seconds 10] [--clients 16] [--wallets 200] [--workers N]

`--hot-wallet` sends every transfer into the same wallet (issue 16's "every transfer into one hot
wallet"): every request then queues on that wallet's account row.

After the transfers, the same server answers `GET /health` for `--health-seconds`: the stack's own
ceiling, printed beside the transfer rate with their ratio.

`--compare-env NAME=A,B` serves two values of one setting side by side in `--rounds` ABBA rounds
(`DATABASE_SERVER_SIDE_BINDING=false,true`: docs/performance.md). `--metrics compare` measures the
cost of the Prometheus instrumentation instead (issue 20), and
`--baseline-root PATH` compares another checkout (say a worktree of main) with this one: both
servers run side by side, and `--rounds` measured slices alternate between them ABBA; it prints
each round, the medians, and the per-round ratio with its spread (docs/observability.md).
"""

import argparse
import json
import os
import random
import shlex
import statistics
import sys
import threading
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
    start_gunicorn,
    use_fraud_checks,
)

benchmark_environment(database="pp_transfers_bench", redis_db=5)

FUNDING = 10**10  # per wallet: far more than any run can move


def _seed_wallets(count: int):
    """`count` funded usd wallets, one new user each; returns (wallet, bearer token) pairs."""
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User
    from wallets.services import wallet_adjust, wallet_create

    run = f"{int(time.time())}-{random.randrange(10**6)}"
    users = User.objects.bulk_create(
        [User(email=f"bench-{run}-{index}@example.com", password="!") for index in range(count)]
    )
    seeded = []
    for user in users:
        wallet = wallet_create(user=user, currency="usd")
        wallet_adjust(wallet=wallet, amount=FUNDING, reason="benchmark funding")
        seeded.append((wallet, str(RefreshToken.for_user(user).access_token)))
    return seeded


def _transfer_requests(seeded, *, hot_wallet: bool = False, count: int = 20_000) -> list[Request]:
    """`count` transfers of 1-100 cents between random wallets, each with its source owner's token.

    With `hot_wallet`, every transfer credits the first seeded wallet (its sources are the others),
    so every request queues on that wallet's account row lock."""
    rng = random.Random(16)
    requests = []
    for _ in range(count):
        if hot_wallet:
            (source, token), (destination, _) = rng.choice(seeded[1:]), seeded[0]
        else:
            (source, token), (destination, _) = rng.sample(seeded, 2)
        body = {
            "source_wallet": source.public_id,
            "destination_wallet": destination.public_id,
            "amount": rng.randint(1, 100),
        }
        requests.append(Request("POST", "/v1/transfers", token, json.dumps(body)))
    return requests


def _drive_api(base_url: str, requests: list[Request], args) -> tuple[LoadResult, int]:
    """The transfers run; returns what the load saw and how many transfers the database gained (`measured_load`)."""
    from wallets.models import Transfer

    return measured_load(base_url, requests, args, stored=Transfer.objects.count)


def _in_process_rate(seeded, threads: int, seconds: float, work) -> float:
    """Operations per second of `work(rng, seeded)` from `threads` threads, each with its own connection:
    the calls that return anything but False (a transfer refused by fraud screening is not counted)."""
    from django.db import connection

    counts = [0] * threads
    barrier = threading.Barrier(threads + 1)
    stop = threading.Event()

    def worker(index: int) -> None:
        rng = random.Random(1000 + index)
        try:
            barrier.wait()
            while not stop.is_set():
                counts[index] += work(rng, seeded) is not False
        finally:
            connection.close()

    pool = [threading.Thread(target=worker, args=(index,)) for index in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in pool:
        thread.join()
    return sum(counts) / (time.perf_counter() - began)


def _post_entry_work(rng, seeded) -> None:
    from ledger.models import JournalEntry
    from ledger.services import credit, debit, post_entry

    (source, _), (destination, _) = rng.sample(seeded, 2)
    amount = rng.randint(1, 100)
    post_entry(
        lines=[debit(source.available_account_id, amount), credit(destination.available_account_id, amount)],
        kind=JournalEntry.Kind.TRANSFER,
        description="benchmark",
    )


def _transfer_create_work(rng, seeded) -> bool:
    """One transfer between two random wallets; False when fraud screening blocks it (with the default
    checks, the velocity rules block some once the same 200 users have sent thousands)."""
    from fraud.api import BlockedByFraudScreening
    from wallets.services import transfer_create

    (source, _), (destination, _) = rng.sample(seeded, 2)
    try:
        transfer_create(
            user=source.user,
            source_wallet=source.public_id,
            destination_wallet=destination.public_id,
            amount=rng.randint(1, 100),
        )
    except BlockedByFraudScreening:
        return False
    return True


def _spread(values: list[float]) -> str:
    ordered = sorted(values)
    quartiles = statistics.quantiles(ordered, n=4, method="inclusive") if len(ordered) >= 2 else [ordered[0]] * 3
    return f"min {ordered[0]:.3f}, quartiles {quartiles[0]:.3f}-{quartiles[2]:.3f}, max {ordered[-1]:.3f}"


def _compared(args) -> str:
    """The flag of the comparison being run, for the rerun line."""
    if args.compare_env:
        return f"--compare-env {shlex.quote(args.compare_env)}"
    if args.metrics == "compare":
        return "--metrics compare"
    return f"--baseline-root {shlex.quote(str(args.baseline_root))}"


def _compare(args, requests: list[Request], servers: dict[str, tuple[Path, dict[str, str]]]) -> None:
    """Serve two configurations side by side (both started once, both warm) and alternate measured
    slices between them, ABBA, so that the shared machine's load falls on both alike. Each slice is
    `--seconds` of transfers and then `--health-seconds` of /health on the same server. Prints every
    round, each side's medians, and the per-round ratio of the second side to the first (median
    and spread): the figure that is clear of noise when its spread stays on one side of 1."""
    labels = list(servers)
    ports = {label: args.port + index if args.port else free_port() for index, label in enumerate(labels)}
    processes = {}
    try:
        for label, (root, env) in servers.items():
            processes[label] = start_gunicorn(ports[label], args.workers, env, ready_seconds=180, root=root)
        rows: dict[str, list[tuple[float, float, float]]] = {label: [] for label in labels}
        for round_number in range(args.rounds):
            order = labels if round_number % 2 == 0 else labels[::-1]
            for label in order:
                url = f"http://127.0.0.1:{ports[label]}"
                result, _stored = _drive_api(url, requests, args)
                rate, p50 = result.rate(201), result.p50_ms
                health = health_rate(url, args.clients, args.health_seconds, load=args.load)
                rows[label].append((rate, p50, health))
                print(
                    f"  round {round_number + 1:2} {label:6} {rate:7.1f} transfers/s  p50 {p50:6.1f} ms  "
                    f"/health {health:7.1f}/s  ratio {rate / health:.3f}  {result.statuses}",
                    flush=True,
                )
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(timeout=30)
    print(f"\nPOST /v1/transfers, {' vs '.join(labels)} ({args.rounds} rounds, ABBA)")
    for label in labels:
        rates, p50s, healths = zip(*rows[label], strict=True)
        print(
            f"  {label:6} median {statistics.median(rates):7.1f} transfers/s"
            f"  median p50 {statistics.median(p50s):6.1f} ms"
            f"  median /health {statistics.median(healths):7.1f}/s"
            f"  median transfers / /health {statistics.median(r / h for r, _, h in rows[label]):.3f}"
        )
    first, second = labels
    ratios = [b[0] / a[0] for a, b in zip(rows[first], rows[second], strict=True)]
    print(f"  {second}/{first} transfers/s per round: median {statistics.median(ratios):.3f} ({_spread(ratios)})")
    print(f"  runs of {first}:  {', '.join(f'{rate:.1f}' for rate, _, _ in rows[first])}")
    print(f"  runs of {second}: {', '.join(f'{rate:.1f}' for rate, _, _ in rows[second])}")
    rerun = [
        "DATABASE_URL=" + shlex.quote(os.environ["DATABASE_URL"]),
        ".venv/bin/python benchmarks/api_transfers.py",
        _compared(args),
        f"--rounds {args.rounds} --seconds {args.seconds:g} --health-seconds {args.health_seconds:g}",
        f"--clients {args.clients} --wallets {args.wallets} --workers {args.workers} --load {args.load}",
        f"--fraud-checks {args.fraud_checks}",
    ]
    print("\nRerun: " + " ".join(rerun))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="Measured duration of each run (default 10).")
    parser.add_argument("--warmup", type=float, default=2.0, help="Unmeasured warm-up before the API run (default 2).")
    parser.add_argument("--clients", type=int, default=16, help="Concurrent HTTP clients / in-process threads.")
    parser.add_argument("--wallets", type=int, default=200, help="Wallets to transfer among (default 200).")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1, help="gunicorn workers.")
    parser.add_argument(
        "--port", type=int, default=0, help="gunicorn's port (default: any free one); comparisons use it and the next."
    )
    parser.add_argument(
        "--metrics",
        choices=["on", "off", "compare"],
        default="on",
        help="METRICS_ENABLED for gunicorn; compare: alternate off/on runs and print the overhead.",
    )
    parser.add_argument(
        "--baseline-root",
        type=Path,
        help="Compare with another checkout (its own .venv), e.g. a worktree of main: before, then this one.",
    )
    parser.add_argument(
        "--hot-wallet", action="store_true", help="Every transfer credits one wallet (issue 16's hot-wallet goal)."
    )
    add_load_arguments(parser)
    parser.add_argument(
        "--compare-env",
        metavar="NAME=A,B",
        help="Compare two values of one setting, e.g. DATABASE_SERVER_SIDE_BINDING=false,true (ABBA rounds).",
    )
    parser.add_argument("--rounds", type=int, default=3, help="Comparisons: measured slices of each (default 3).")
    parser.add_argument(
        "--health-seconds", type=float, default=5.0, help="Measured /health after each API run (default 5)."
    )
    args = parser.parse_args()
    use_fraud_checks(args.fraud_checks)

    database_ready()
    from django.db import connection

    print(
        f"database {connection.settings_dict['NAME']}, {os.cpu_count()} CPU(s), gunicorn workers {args.workers}, "
        f"{args.clients} clients, {args.wallets} wallets, {args.seconds:g} s per run",
        flush=True,
    )
    seeded = _seed_wallets(args.wallets)
    requests = _transfer_requests(seeded, hot_wallet=args.hot_wallet)
    connection.close()

    port = args.port or free_port()
    if args.metrics == "compare":
        _compare(
            args, requests, {"off": (ROOT, {"METRICS_ENABLED": "false"}), "on": (ROOT, {"METRICS_ENABLED": "true"})}
        )
        return
    if args.baseline_root:
        _compare(args, requests, {"before": (args.baseline_root.resolve(), {}), "after": (ROOT, {})})
        return
    if args.compare_env:
        name, _, values = args.compare_env.partition("=")
        first, second = values.split(",")
        _compare(args, requests, {first: (ROOT, {name: first}), second: (ROOT, {name: second})})
        return
    server = start_gunicorn(port, args.workers, {"METRICS_ENABLED": "true" if args.metrics == "on" else "false"})
    try:
        result, stored = _drive_api(f"http://127.0.0.1:{port}", requests, args)
        health = health_rate(f"http://127.0.0.1:{port}", args.clients, args.health_seconds, load=args.load)
    finally:
        server.terminate()
        server.wait(timeout=30)

    api_rate = result.rate(201)
    into = ", every one into the same wallet" if args.hot_wallet else ""
    print(f"\nAPI  POST /v1/transfers over HTTP (gunicorn, {args.workers} workers, {args.clients} clients{into})")
    print(f"  load generator   {args.load}; fraud checks {args.fraud_checks}")
    print(f"  transfers/s      {api_rate:10.1f}   ({result.statuses.get(201, 0)} succeeded in {result.seconds:.1f} s)")
    print(f"  latency ms       p50 {result.p50_ms:.1f}   p99 {result.p99_ms:.1f}   mean {result.mean_ms:.1f}")
    print(f"  responses        {dict(sorted(result.statuses.items()))}; socket errors {result.socket_errors}")
    print(gained_check("transfers", stored, result, args.clients))
    print(f"  the same server's GET /health: {health:.1f}/s; transfers / /health {api_rate / health:.3f}")

    post_entry_rate = _in_process_rate(seeded, args.clients, args.seconds, _post_entry_work)
    service_rate = _in_process_rate(seeded, args.clients, args.seconds, _transfer_create_work)
    print(f"\nIn process, {args.clients} threads")
    print(f"  post_entry/s     {post_entry_rate:10.1f}   (ledger core: lock, entry, postings, balances)")
    print(f"  transfer_create/s{service_rate:10.1f}   (the use case: + wallets, statement lines, transfer, 2 events)")
    print(f"\nRatio API / post_entry: {api_rate / post_entry_rate:.2f}")
    print(f"Ratio API / transfer_create: {api_rate / service_rate:.2f}")

    rerun = [
        "DATABASE_URL=" + shlex.quote(os.environ["DATABASE_URL"]),
        ".venv/bin/python",
        "benchmarks/api_transfers.py",
    ]
    rerun += ["--seconds", f"{args.seconds:g}", "--clients", str(args.clients), "--wallets", str(args.wallets)]
    rerun += ["--workers", str(args.workers), "--load", args.load, "--fraud-checks", args.fraud_checks]
    rerun += ["--hot-wallet"] if args.hot_wallet else []
    print("\nRerun: " + " ".join(rerun))


if __name__ == "__main__":
    main()
