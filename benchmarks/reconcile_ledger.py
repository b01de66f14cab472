"""`reconcile_ledger` over a million postings: the wall time of every check, in one snapshot.

The script seeds its own database (default pp_reconcile_bench) with 10,000 funded accounts and
`--postings` postings (balanced two-line entries between random accounts, set-based, the seeding
of `benchmarks/ledger_post.py`), unless it already holds at least that many postings, so that
reruns time the same table. It then runs `reconcile_ledger`'s checks `--repeat` times and prints
each run's total and every check's time, the load average before and after, and the command to
rerun. PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_reconcile_bench \\
        .venv/bin/python benchmarks/reconcile_ledger.py [--postings 1000000] [--repeat 3]
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support import benchmark_environment, database_ready  # noqa: E402 - after the path setup

benchmark_environment(database="pp_reconcile_bench", redis_db=8)


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _seed(postings: int) -> int:
    """Seed until the table holds at least `postings` postings; returns how many it holds."""
    from benchmarks.ledger_post import seed_accounts, seed_postings
    from ledger.models import Posting

    have = Posting.objects.count()
    if have >= postings:
        return have
    started = time.perf_counter()
    ids = seed_accounts(run=str(time.time_ns()))
    seed_postings(ids, postings - have)
    print(f"seeded {postings - have:,} postings in {time.perf_counter() - started:.1f}s", flush=True)
    return Posting.objects.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=1_000_000, help="Postings the table holds at least.")
    parser.add_argument("--repeat", type=int, default=3, help="Timed runs of every check.")
    args = parser.parse_args()

    database_ready()
    from django.db import connection

    from ledger.reconciliation import reconcile

    total = _seed(args.postings)
    print(f"PostgreSQL {connection.cursor().connection.info.server_version}, {total:,} postings")
    for attempt in range(1, args.repeat + 1):
        load_before = _load()
        started = time.perf_counter()
        results = list(reconcile())
        elapsed = time.perf_counter() - started
        clean = all(result.ok for result in results)
        print(f"\nrun {attempt}: {elapsed:.2f}s, clean={clean}, load average {load_before} -> {_load()}")
        for result in results:
            print(f"  {result.name:<34} {result.seconds:>6.2f}s  {'ok' if result.ok else f'{result.count} issues'}")
    connection.close()
    print(
        "\nrerun: DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_reconcile_bench "
        "python benchmarks/reconcile_ledger.py " + " ".join(sys.argv[1:])
    )


if __name__ == "__main__":
    main()
