"""Ledger posting throughput: two-line transfers per second through `post_entry` and by hand.

For 1, 4 and 16 threads, each thread posts two-line transfers (1 minor unit, between two random
accounts out of 10,000 funded ones) for a fixed time, first through `ledger.services.post_entry`
(Django ORM, one `transaction.atomic()` per transfer) and then through the same SQL statements
written by hand with psycopg (BEGIN; SELECT ... FOR UPDATE in pk order; the one statement that
inserts the entry and its postings and updates the balances; COMMIT), each thread with its own
connection. Both paths bind parameters server side and have PostgreSQL prepare the two statements
after five runs (psycopg's default; `post_entry` sends them through `prepared_cursor`). It prints
transfers/s for both and their ratio, then a "hot account" run where every transfer credits the
same account (all threads queue on one row lock).

`--reconcile-postings N` also seeds N postings (N/2 balanced entries among the 10,000 accounts)
with set-based SQL and times `reconcile_ledger`'s checks over the whole table.

The script uses its own database (default pp_ledger_bench), migrates it, and adds a fresh set of
accounts per run. PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_ledger_bench \\
        .venv/bin/python benchmarks/ledger_post.py [--seconds 5] [--threads 1 4 16] [--repeat 3] \\
        [--reconcile-postings 1000000]
"""

import argparse
import datetime
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support import benchmark_environment, database_ready  # noqa: E402 - after the path setup

benchmark_environment(database="pp_ledger_bench", redis_db=8)

ACCOUNTS = 10_000
FUNDING = 10**12


def _psycopg_connect():
    import psycopg
    from django.conf import settings

    database = settings.DATABASES["default"]
    return psycopg.connect(host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=database["NAME"])


def seed_accounts(run: str) -> list[int]:
    """10,000 usd liability accounts, each funded from the adjustments account by one balanced entry."""
    from ledger.services import system_account

    equity = system_account(purpose="adjustments", currency="usd")
    with _psycopg_connect() as conn:
        ids = [
            row[0]
            for row in conn.execute(
                "INSERT INTO ledger_account (public_id, code, name, type, currency, allow_negative, balance, created)"
                " SELECT 'acct_bench' || %s || '_' || g, 'bench:' || %s || ':' || g, '', 'liability', 'usd', false,"
                " %s, now() FROM generate_series(1, %s) g RETURNING id",
                [run, run, FUNDING, ACCOUNTS],
            )
        ]
        entry_id = conn.execute(
            "INSERT INTO ledger_journalentry (public_id, kind, description, metadata, request_id, created)"
            " VALUES (%s, 'adjustment', 'benchmark funding', '{}', '', now()) RETURNING id",
            [f"je_benchfund_{run}"],
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, amount, currency, balance_after, created)"
            " SELECT %s, id, -%s, 'usd', %s, now() FROM unnest(%s::bigint[]) id",
            [entry_id, FUNDING, FUNDING, ids],
        )
        total = FUNDING * len(ids)
        equity_after = conn.execute(
            "UPDATE ledger_account SET balance = balance - %s WHERE id = %s RETURNING balance", [total, equity.pk]
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, amount, currency, balance_after, created)"
            " VALUES (%s, %s, %s, 'usd', %s, now())",
            [entry_id, equity.pk, total, equity_after],
        )
    return ids


def _post_entry_worker(ids, pick, stop, counter):
    from django.db import connection

    from ledger.models import JournalEntry
    from ledger.services import credit, debit, post_entry

    rng = random.Random()
    done = 0
    try:
        while not stop.is_set():
            source, target = pick(rng, ids)
            post_entry(
                lines=[debit(source, 1), credit(target, 1)], kind=JournalEntry.Kind.TRANSFER, description="bench"
            )
            done += 1
    finally:
        connection.close()
        counter.append(done)


DEBIT_NORMAL = ("asset", "expense")


def _handwritten_worker(ids, pick, stop, counter):
    """The SQL post_entry sends on PostgreSQL, by hand with psycopg: same statements and checks, no ORM.

    BEGIN; SELECT ... FOR UPDATE (pk order); the one INSERT-INSERT-UPDATE statement; COMMIT. The
    statements and the write's parameter order come from `ledger.services.statements`.
    """
    from ledger.models import JournalEntry
    from ledger.services.statements import LOCK_ACCOUNTS_SQL, WRITE_ENTRY_SQL, write_entry_parameters
    from payments_platform.api.ids import new_public_id

    rng = random.Random()
    done = 0
    with _psycopg_connect() as conn:
        while not stop.is_set():
            source, target = pick(rng, ids)
            lines = [(source, 1), (target, -1)]
            with conn.transaction(), conn.cursor() as cursor:
                locked = {row[0]: row for row in cursor.execute(LOCK_ACCOUNTS_SQL, [sorted({source, target})])}
                deltas: dict[int, int] = {}
                running = {pk: row[4] for pk, row in locked.items()}
                postings = []
                for pk, amount in lines:
                    sign = 1 if locked[pk][1] in DEBIT_NORMAL else -1
                    deltas[pk] = deltas.get(pk, 0) + sign * amount
                    running[pk] += sign * amount
                    postings.append((pk, amount, "usd", running[pk]))
                for pk, delta in deltas.items():
                    if not locked[pk][3] and locked[pk][4] + delta < 0:
                        raise RuntimeError("insufficient funds")
                entry = JournalEntry(
                    public_id=new_public_id("je"),
                    kind=JournalEntry.Kind.TRANSFER,
                    description="bench",
                    created=datetime.datetime.now(datetime.UTC),
                )
                changed = {pk: deltas[pk] for pk in sorted(deltas) if deltas[pk] != 0}
                cursor.execute(
                    WRITE_ENTRY_SQL, write_entry_parameters(entry=entry, postings=postings, changed=changed)
                ).fetchone()
            done += 1
    counter.append(done)


def _random_pair(rng, ids):
    return rng.sample(ids, 2)


def _hot_pair(rng, ids):
    source = ids[1 + rng.randrange(len(ids) - 1)]
    return source, ids[0]  # every transfer credits ids[0]


def _vacuum_accounts() -> None:
    """Start every timed run from the same state: the runs before left dead versions of the
    account rows they updated (the hot-account run, a long chain on one row), which slow whichever
    run comes next until autovacuum happens to clear them."""
    with _psycopg_connect() as conn:
        conn.autocommit = True
        conn.execute("VACUUM ledger_account")


def _run(worker, ids, pick, threads: int, seconds: float) -> float:
    _vacuum_accounts()
    stop = threading.Event()
    counter: list[int] = []
    pool = [threading.Thread(target=worker, args=(ids, pick, stop, counter)) for _ in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in pool:
        thread.join()
    return sum(counter) / (time.perf_counter() - started)


def _compare(label: str, ids, pick, threads: int, seconds: float, repeat: int) -> tuple[float, float]:
    """`repeat` pairs of runs, the order alternating (post_entry first, then by hand first), so that
    drift on a shared machine falls on both sides; prints the mean rates and, with repeats, each
    pair's ratio."""
    orm_rates, raw_rates = [], []
    for attempt in range(repeat):
        if attempt % 2 == 0:
            orm_rates.append(_run(_post_entry_worker, ids, pick, threads, seconds))
            raw_rates.append(_run(_handwritten_worker, ids, pick, threads, seconds))
        else:
            raw_rates.append(_run(_handwritten_worker, ids, pick, threads, seconds))
            orm_rates.append(_run(_post_entry_worker, ids, pick, threads, seconds))
    orm, raw = sum(orm_rates) / repeat, sum(raw_rates) / repeat
    pairs = "  (" + ", ".join(f"{o / r:.0%}" for o, r in zip(orm_rates, raw_rates, strict=True)) + ")"
    print(
        f"{label:<14} {threads:>7}  {orm:>14,.0f}  {raw:>14,.0f}  {orm / raw:>6.0%}{pairs if repeat > 1 else ''}",
        flush=True,
    )
    return orm, raw


def seed_postings(ids: list[int], count: int) -> None:
    """`count` postings (count/2 balanced entries between two different random accounts), set-based.

    Triggers are switched off for the seeding session (`session_replication_role = replica`, superuser
    only): the deferred zero-sum trigger would otherwise run once per row at COMMIT. The seed is
    balanced by construction and reconcile_ledger verifies it anyway.
    """
    entries = count // 2
    run = f"{time.time_ns()}"
    with _psycopg_connect() as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute(
            "CREATE TEMP TABLE seed_accounts AS SELECT ordinality::int AS k, id"
            " FROM unnest(%s::bigint[]) WITH ORDINALITY AS id",
            [ids],
        )
        conn.execute("CREATE UNIQUE INDEX ON seed_accounts (k)")
        conn.execute(
            "CREATE TEMP TABLE seed_lines AS"
            " SELECT g AS n, 1 + floor(random() * 999)::bigint AS amount, a, 1 + (a + b) %% %s AS b"
            " FROM (SELECT g, 1 + floor(random() * %s)::int AS a, floor(random() * (%s - 1))::int AS b"
            "       FROM generate_series(1, %s) g) r",
            [len(ids), len(ids), len(ids), entries],
        )
        conn.execute(
            "CREATE TEMP TABLE seed_entries AS WITH e AS ("
            " INSERT INTO ledger_journalentry (public_id, kind, description, metadata, request_id, created)"
            " SELECT 'je_seed' || %s || '_' || n, 'seed', '', '{}', '', now() FROM seed_lines ORDER BY n"
            " RETURNING id, public_id) SELECT id, split_part(public_id, '_', 3)::int AS n FROM e",
            [run],
        )
        conn.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, amount, currency, balance_after, created)"
            " SELECT entry_id, account_id, amount, 'usd',"
            "        acc.balance - SUM(amount) OVER (PARTITION BY account_id ORDER BY entry_id, side), now()"
            " FROM (SELECT e.id AS entry_id, 0 AS side, sa.id AS account_id, s.amount"
            "         FROM seed_lines s JOIN seed_entries e USING (n) JOIN seed_accounts sa ON sa.k = s.a"
            "       UNION ALL"
            "       SELECT e.id, 1, sb.id, -s.amount"
            "         FROM seed_lines s JOIN seed_entries e USING (n) JOIN seed_accounts sb ON sb.k = s.b) lines"
            " JOIN ledger_account acc ON acc.id = lines.account_id"
            " ORDER BY entry_id, side"
        )
        conn.execute(
            "UPDATE ledger_account acc SET balance = acc.balance - t.total"
            " FROM (SELECT account_id, SUM(amount) AS total FROM ledger_posting p"
            "       JOIN seed_entries e ON e.id = p.entry_id GROUP BY account_id) t WHERE acc.id = t.account_id"
        )
    with _psycopg_connect() as conn:
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE ledger_posting")
        conn.execute("VACUUM ANALYZE ledger_account")
        conn.execute("VACUUM ANALYZE ledger_journalentry")


def _time_reconcile() -> None:
    from django.db import connection

    from ledger.models import Posting
    from ledger.reconciliation import reconcile

    total = Posting.objects.count()
    started = time.perf_counter()
    results = list(reconcile())
    elapsed = time.perf_counter() - started
    print(f"\nreconcile_ledger over {total:,} postings: {elapsed:.2f}s, clean={all(r.ok for r in results)}")
    for result in results:
        print(f"  {result.name:<34} {result.seconds:>6.2f}s  {'ok' if result.ok else f'{result.count} issues'}")
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="Duration of each timed run.")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--hot-threads", type=int, default=4, help="Threads of the hot-account run.")
    parser.add_argument("--repeat", type=int, default=1, help="Pairs of runs per line, in alternating order.")
    parser.add_argument("--reconcile-postings", type=int, default=0, help="Seed this many postings, time reconcile.")
    args = parser.parse_args()

    database_ready()
    from django.db import connection

    ids = seed_accounts(run=str(time.time_ns()))
    connection.close()

    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, {len(ids):,} accounts, "
        f"{args.seconds:g}s per run, 2-line transfers of 1 minor unit"
    )
    connection.close()
    print(f"{'run':<14} {'threads':>7}  {'post_entry/s':>14}  {'hand SQL/s':>14}  {'ratio':>6}")
    for threads in args.threads:
        _compare("random pairs", ids, _random_pair, threads, args.seconds, args.repeat)
    _compare("hot account", ids, _hot_pair, args.hot_threads, args.seconds, args.repeat)

    if args.reconcile_postings:
        started = time.perf_counter()
        seed_postings(ids, args.reconcile_postings)
        print(f"\nseeded {args.reconcile_postings:,} postings in {time.perf_counter() - started:.1f}s")
        _time_reconcile()
    print(
        "\nrerun: DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_ledger_bench "
        "python benchmarks/ledger_post.py " + " ".join(sys.argv[1:])
    )


if __name__ == "__main__":
    main()
