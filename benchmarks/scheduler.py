"""The scheduler's two latencies: leader takeover after `kill -9`, and how long a due payout waits.

Takeover: start a `run_scheduler` process and wait until it leads, start a second one and
wait until it follows, `kill -9` the leader, and time until the second logs
`scheduler_leading` (its own log timestamp against the moment of the kill). Repeated
`--takeovers` times. The bound is SCHEDULER_LEADER_RETRY_SECONDS (default 5 s; the
follower's retry interval) plus one connection to PostgreSQL.

Payout notice: create `--payouts` payouts that fall due at staggered moments
(PAYOUT_DELAY_SECONDS), run one scheduler with SCHEDULE_PROCESS_PAYOUTS_SECONDS, and for
each payout measure `settled_at - arrival_date`. The bound is the interval plus one
`process_payouts` run.

Uses its own database (default pp_scheduler_bench), migrated, and no NATS.

    .venv/bin/python benchmarks/scheduler.py [--takeovers 3] [--retry 5] [--payouts 20] [--interval 30]
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support import benchmark_environment, database_ready, percentile  # noqa: E402

benchmark_environment(database="pp_scheduler_bench", redis_db=12)
os.environ["LOG_LEVEL"] = "INFO"
os.environ["LOG_FORMAT"] = "json"
os.environ["NATS_URL"] = ""


def _scheduler(**env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_scheduler"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _wait_for(process: subprocess.Popen, event: str) -> dict:
    for line in process.stdout:
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("event") == event:
                return record
    raise RuntimeError(f"the scheduler ended (status {process.wait()}) before logging {event}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=120)


def measure_takeovers(count: int, retry: float) -> list[float]:
    env = {"SCHEDULER_LEADER_RETRY_SECONDS": str(retry), "SCHEDULER_LOCK_CHECK_SECONDS": str(retry)}
    seconds = []
    leader = _scheduler(**env)
    _wait_for(leader, "scheduler_leading")
    for _ in range(count):
        follower = _scheduler(**env)
        _wait_for(follower, "scheduler_following")
        time.sleep(random.uniform(0, retry))  # land the kill at a random point of the follower's retry cycle
        killed_at = time.time()
        os.killpg(leader.pid, signal.SIGKILL)
        leader.wait()
        record = _wait_for(follower, "scheduler_leading")
        led_at = datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00")).timestamp()
        seconds.append(led_at - killed_at)
        print(f"  takeover {len(seconds)}: {seconds[-1]:.2f} s")
        leader = follower
    _stop(leader)
    return seconds


def measure_payout_notice(count: int, interval: int) -> list[float]:
    from accounts.models import User
    from wallets.models import Payout
    from wallets.services import payout_create
    from wallets.tests.factories import WalletFactory

    user = User.objects.create_user(email=f"sched-{time.time_ns()}@example.com", password="not-used-0123456789")
    wallet = WalletFactory(user=user, currency="usd", balance=count * 100)
    scheduler = _scheduler(SCHEDULE_PROCESS_PAYOUTS_SECONDS=str(interval), SCHEDULER_LEADER_RETRY_SECONDS="1")
    _wait_for(scheduler, "scheduler_leading")
    from django.conf import settings

    ids = []
    for index in range(count):
        # Due at moments spread over two intervals, so they fall at every phase of the schedule.
        settings.PAYOUT_DELAY_SECONDS = int(index * 2 * interval / count)
        payout = payout_create(
            user=user, wallet=wallet.public_id, amount=100, account_number="000123456789", routing_number="110000000"
        )
        ids.append(payout.pk)
    deadline = time.monotonic() + 4 * interval + 120
    while Payout.objects.filter(pk__in=ids, status=Payout.Status.PENDING).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("payouts still pending")
        time.sleep(0.5)
    _stop(scheduler)
    return [
        (payout.settled_at - payout.arrival_date).total_seconds()
        for payout in Payout.objects.filter(pk__in=ids).only("settled_at", "arrival_date")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--takeovers", type=int, default=3)
    parser.add_argument("--retry", type=float, default=5.0, help="SCHEDULER_LEADER_RETRY_SECONDS")
    parser.add_argument("--payouts", type=int, default=20)
    parser.add_argument("--interval", type=int, default=30, help="SCHEDULE_PROCESS_PAYOUTS_SECONDS")
    args = parser.parse_args()

    database_ready()

    load = os.getloadavg()[0]
    if args.takeovers:
        takeovers = measure_takeovers(args.takeovers, args.retry)
        print(
            f"leader takeover after kill -9 (retry {args.retry:g} s): "
            f"median {percentile(takeovers, 0.5):.2f} s, max {max(takeovers):.2f} s over {len(takeovers)}"
        )
    if args.payouts:
        waits = measure_payout_notice(args.payouts, args.interval)
        print(
            f"due payout settled after its arrival_date (interval {args.interval:g} s): "
            f"median {percentile(waits, 0.5):.2f} s, max {max(waits):.2f} s over {len(waits)} payouts"
        )
    print(f"load average before: {load:.1f}")
    print(f"rerun: .venv/bin/python benchmarks/scheduler.py {' '.join(sys.argv[1:])}".rstrip())


if __name__ == "__main__":
    main()
