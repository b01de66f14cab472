"""CPU per request: what one transfer, one payment (create with `confirm: true`) and one `GET /health`
cost this process and its PostgreSQL backend, through Django's whole request path in one thread.

The HTTP benchmarks' rates depend on everything else this 2-core host runs, and move by a third
from one minute to the next. CPU seconds per request count only the work done for the request, so
they move less (still by up to a quarter: the host's own speed drifts). Two cores carry at most
2 / (app CPU + PostgreSQL CPU) requests per second; the ratio of a path's ceiling to `/health`'s is
the ratio issue 16's goals are written in.

What it does, on loopback, in this process:

1. Creates and migrates its own database (default pp_request_cpu_bench) and seeds `--wallets`
   users, each with a funded usd wallet and a visa card.
2. Sends each request through Django's test client (the WSGI handler: every middleware, DRF, the
   service, the idempotency record), `--warmup` times and then `--requests` times, and reads this
   process's CPU (`time.process_time`) and the PostgreSQL backend's (`/proc/<pid>/stat` of
   `pg_backend_pid()`, so PostgreSQL must run on this machine) before and after.
3. Prints, per path: app CPU, PostgreSQL CPU, wall time, statements per request, and the ceiling on
   this machine's cores, with its share of `/health`'s. gunicorn's HTTP parsing is in neither figure
   (a few tenths of a millisecond a request, the same for every path), so the share is lower than
   the one the HTTP benchmarks measure.

    .venv/bin/python benchmarks/request_cpu.py [--requests 1000] [--paths transfer payment health]

`--compare-binding` measures client- against server-side binding (`DATABASE_SERVER_SIDE_BINDING`)
on one connection, switching its cursor class between slices of `--requests` requests in
`--rounds` ABBA rounds, and prints each side's median and the per-round ratio.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support import (  # noqa: E402 - after the path setup
    FRAUD_CHECK_SETS,
    benchmark_environment,
    database_ready,
    seed_card_users,
    use_fraud_checks,
)

benchmark_environment(database="pp_request_cpu_bench", redis_db=13)

PATHS = ("transfer", "payment", "health")
CORES = os.cpu_count() or 1


def _request(path: str, seeded, rng: random.Random):
    """One request of `path` as (method, url, token, body)."""
    if path == "health":
        return "GET", "/health", None, None
    if path == "transfer":
        (source, _, token), (destination, _, _) = rng.sample(seeded, 2)
        body = {"source_wallet": source, "destination_wallet": destination, "amount": rng.randint(1, 100)}
        return "POST", "/v1/transfers", token, body
    wallet, card, token = rng.choice(seeded)
    body = {"amount": rng.randint(100, 10_000), "currency": "usd", "wallet": wallet, "payment_method": card}
    return "POST", "/v1/payment_intents", token, {**body, "confirm": True}


def _backend_cpu_seconds() -> float:
    """CPU seconds the default connection's PostgreSQL backend has used (user + system)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure_path(client, path: str, seeded, *, warmup: int, requests: int) -> dict:
    from django.db import connection

    rng = random.Random(16)
    expected = 200 if path == "health" else 201

    def send() -> None:
        method, url, token, body = _request(path, seeded, rng)
        headers = {"HTTP_IDEMPOTENCY_KEY": f"cpu-{random.getrandbits(64):x}"}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if method == "GET":
            response = client.get(url, **headers)
        else:
            response = client.post(url, data=json.dumps(body), content_type="application/json", **headers)
        if response.status_code != expected:
            raise SystemExit(f"{method} {url} answered {response.status_code}: {response.content[:300]!r}")

    for _ in range(warmup):
        send()
    statements = []  # counted by an execute wrapper: each request start empties connection.queries
    with connection.execute_wrapper(lambda execute, sql, *rest: statements.append(sql) or execute(sql, *rest)):
        send()
    backend_before, app_before, wall_before = _backend_cpu_seconds(), time.process_time(), time.perf_counter()
    for _ in range(requests):
        send()
    app_after, wall_after, backend_after = time.process_time(), time.perf_counter(), _backend_cpu_seconds()
    return {
        "app_ms": 1000 * (app_after - app_before) / requests,
        "db_ms": 1000 * (backend_after - backend_before) / requests,
        "wall_ms": 1000 * (wall_after - wall_before) / requests,
        "statements": len(statements),
    }


def _measure_binding(client, path: str, seeded, args) -> None:
    """Client- against server-side binding for `path`, on one connection: the connection's cursor
    class is switched between slices of `--requests` requests, in ABBA order, so that the host's
    drift (its speed moves by a quarter within minutes) falls on both alike."""
    from django.db import connection
    from django.db.backends.postgresql.base import Cursor, ServerBindingCursor

    classes = {"client": Cursor, "server": ServerBindingCursor}
    totals: dict[str, list[float]] = {"client": [], "server": []}
    parts: dict[str, list[tuple[float, float]]] = {"client": [], "server": []}
    connection.ensure_connection()
    for cursor_class in classes.values():  # each side's statements prepared, caches warm
        connection.connection.cursor_factory = cursor_class
        _measure_path(client, path, seeded, warmup=args.warmup, requests=args.requests)
    for index in range(args.rounds):
        for side in ("client", "server") if index % 2 == 0 else ("server", "client"):
            connection.connection.cursor_factory = classes[side]
            result = _measure_path(client, path, seeded, warmup=5, requests=args.requests)
            totals[side].append(result["app_ms"] + result["db_ms"])
            parts[side].append((result["app_ms"], result["db_ms"]))
    connection.connection.cursor_factory = classes["server" if _server_binding() else "client"]
    ratios = [server / client for server, client in zip(totals["server"], totals["client"], strict=True)]
    for side, values in totals.items():
        app = statistics.median(app for app, _ in parts[side])
        database = statistics.median(database for _, database in parts[side])
        print(
            f"  {path:<9} {side}-side binding: median {statistics.median(values):6.2f} ms CPU per request "
            f"(app {app:.2f}, PostgreSQL {database:.2f})"
        )
    print(
        f"  {path:<9} server/client per round: median {statistics.median(ratios):.3f} "
        f"({', '.join(f'{ratio:.2f}' for ratio in ratios)}); lower than 1 in {sum(ratio < 1 for ratio in ratios)} of "
        f"{len(ratios)}"
    )


def _server_binding() -> bool:
    from django.db import connection

    return connection.settings_dict["OPTIONS"].get("server_side_binding") is True


def _ceiling(result: dict) -> float:
    """Requests/s this machine's cores carry at this CPU per request (app + PostgreSQL)."""
    return CORES * 1000 / (result["app_ms"] + result["db_ms"])


def _print_side(results: dict) -> None:
    health = results.get("health")
    for path, result in results.items():
        line = (
            f"  {path:<9} app {result['app_ms']:6.2f} ms  PostgreSQL {result['db_ms']:5.2f} ms  "
            f"wall {result['wall_ms']:6.2f} ms  {round(result['statements']):2d} statements  "
            f"{CORES}-core ceiling {_ceiling(result):7.0f}/s"
        )
        if health and path != "health":
            line += f"  ({_ceiling(result) / _ceiling(health):.3f} of /health's, both without gunicorn)"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="measured requests per path (per slice)")
    parser.add_argument("--warmup", type=int, default=100, help="requests per path before measuring")
    parser.add_argument("--wallets", type=int, default=50)
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS))
    parser.add_argument("--fraud-checks", choices=sorted(FRAUD_CHECK_SETS), default="lists")
    parser.add_argument(
        "--compare-binding", action="store_true", help="client- against server-side binding, ABBA slices"
    )
    parser.add_argument("--rounds", type=int, default=12, help="ABBA rounds with --compare-binding")
    args = parser.parse_args()
    use_fraud_checks(args.fraud_checks)
    database_ready()
    from django.test import Client

    seeded = seed_card_users(args.wallets, label="cpu-bench", funding=10**10)
    client = Client()
    rerun = (
        f".venv/bin/python benchmarks/request_cpu.py --requests {args.requests} --warmup {args.warmup} "
        f"--wallets {args.wallets} --fraud-checks {args.fraud_checks} --paths {' '.join(args.paths)}"
    )
    print(f"database {os.environ['DATABASE_URL'].rsplit('/', 1)[1]}, one thread, {args.requests} requests per path")
    print(
        f"  fraud checks {args.fraud_checks}; server-side binding {'on' if _server_binding() else 'off'}; "
        f"load average {' '.join(f'{value:.2f}' for value in os.getloadavg())}"
    )
    if args.compare_binding:
        for path in args.paths:
            if path != "health":  # /health sends no statement
                _measure_binding(client, path, seeded, args)
        rerun += f" --compare-binding --rounds {args.rounds}"
    else:
        results = {
            path: _measure_path(client, path, seeded, warmup=args.warmup, requests=args.requests) for path in args.paths
        }
        _print_side(results)
    print(f"\nRerun: {rerun}")


if __name__ == "__main__":
    main()
