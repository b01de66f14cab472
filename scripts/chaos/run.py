"""Fault scenarios under load, each on its own private stack (see stack.py), then the checks.

    .venv/bin/python scripts/chaos/run.py --list
    .venv/bin/python scripts/chaos/run.py kill_gunicorn          # one scenario
    .venv/bin/python scripts/chaos/run.py all                    # every scenario, one after another
    .venv/bin/python scripts/chaos/run.py fast                   # the CI subset (nats, webhooks, connector)

Every scenario drives the load mix of benchmarks/load.py (register, wallets, card top-ups,
transfers, refunds, payouts, lists; every POST keyed and retried with its key on errors) while it
applies its fault, ends the fault, and checks: every acknowledged write is in the database, one
effect per idempotency key, 5xx answers are 503s in the envelope, reconcile_ledger is clean,
webhook deliveries and the relay catch up, plus its own checks. Exit status 0 when all pass.
Each scenario runs in a subprocess of its own (Django is configured once per process).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks"), str(HERE)]

import httpx  # noqa: E402
from stack import PYTHON, Stack, log  # noqa: E402

SCENARIOS: dict[str, dict] = {}
FAST = ["nats_stop", "webhook_receiver", "webhook_worker_kill", "connector_timeout"]


def scenario(*, stack: dict | None = None, users: int = 20, clients: int = 4):
    def register(fn):
        SCENARIOS[fn.__name__] = {"fn": fn, "stack": stack or {}, "users": users, "clients": clients}
        return fn

    return register


class Load:
    """The load mix in background threads until stopped."""

    def __init__(self, workload, clients: int):
        self.workload = workload
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=workload.run, kwargs={"clients": clients, "seconds": 3600, "stop": self.stop}, daemon=True
        )

    def __enter__(self) -> Load:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=180)


def probe_ready(stack: Stack) -> tuple[int | str, float, dict]:
    began = time.perf_counter()
    try:
        response = httpx.get(stack.base_url + "/ready", timeout=10)
        body = response.json()
        components = (body.get("data") or {}).get("components") or (body.get("error") or {}).get("components") or {}
        return response.status_code, time.perf_counter() - began, components
    except httpx.HTTPError as exc:
        return type(exc).__name__, time.perf_counter() - began, {}


def ready_check(stack: Stack, component: str, extra: dict) -> None:
    """During a fault: /ready must say `component` is unavailable, within a second."""
    status, elapsed, components = probe_ready(stack)
    state = (components.get(component) or {}).get("status")
    extra[f"/ready during the fault reports {component} unavailable within 1 s"] = (
        status == 503 and state == "unavailable" and elapsed < 1.0,
        f"status {status} in {elapsed * 1000:.0f} ms, {component}: {state}",
    )


def wait_ready(stack: Stack, timeout: float = 30) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if probe_ready(stack)[0] == 200:
            return time.monotonic() - began
        time.sleep(0.2)
    return float("inf")


def window(recorder, fn, seconds: float) -> dict:
    """Run `fn`, then watch `seconds`; return the raw statuses and the worst latency seen meanwhile."""
    with recorder.lock:
        before = dict(recorder.statuses)
        recorder.max_latency = 0.0
    fn()
    time.sleep(seconds)
    with recorder.lock:
        after = dict(recorder.statuses)
        worst = recorder.max_latency
    return {"statuses": {k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)},
            "worst_latency_s": round(worst, 2)}  # fmt: skip


# --- 1. kill -9 of gunicorn workers, then of the master -------------------------------------------


@scenario(stack={"gunicorn_timeout": 10})
def kill_gunicorn(stack: Stack, load: Load, recorder, extra: dict) -> None:
    time.sleep(3)
    for round_ in range(2):
        pids = stack.gunicorn_worker_pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        log(f"kill -9 of {len(pids)} gunicorn workers (round {round_ + 1}); the master respawns them")
        time.sleep(3)
    master = stack.gunicorn_master_pid()
    watched = window(recorder, lambda: os.kill(master, signal.SIGKILL), 2)
    log(f"kill -9 of the gunicorn master {master}; its workers are orphans now: {watched}")
    old = stack.procs.pop("gunicorn")
    began = time.monotonic()
    while time.monotonic() - began < 60:  # the orphans notice their parent is gone and exit
        if subprocess.run(["pgrep", "-g", str(old.pid)], capture_output=True).returncode:
            break
        time.sleep(0.5)
    old.wait(timeout=5)
    stack.gunicorn_start()
    log(f"gunicorn restarted {time.monotonic() - began:.1f} s after the master died")
    extra["gunicorn serves again after the restart"] = (wait_ready(stack) < 30, f"{watched}")
    time.sleep(4)


# --- 2. PostgreSQL restarted mid-load ------------------------------------------------------------


@scenario()
def postgres_restart(stack: Stack, load: Load, recorder, extra: dict) -> None:
    time.sleep(3)
    master = stack.gunicorn_master_pid()
    workers_before = set(stack.gunicorn_worker_pids())

    def crash():
        stack.postgres_stop("immediate")
        log("PostgreSQL stopped (immediate: a crash, recovery on start)")

    watched = window(recorder, crash, 1.5)
    ready_check(stack, "database", extra)
    time.sleep(3)
    stack.postgres_start()
    recovered = wait_ready(stack)
    log(f"PostgreSQL back; /ready 200 after {recovered:.1f} s. During the outage: {watched}")
    time.sleep(5)
    extra["outage answered without hanging (worst latency < 6 s)"] = (watched["worst_latency_s"] < 6, str(watched))
    extra["recovered without restarting the app"] = (
        stack.gunicorn_master_pid() == master
        and set(stack.gunicorn_worker_pids()) == workers_before
        and recovered < 10,
        f"same master and workers; ready after {recovered:.1f} s",
    )


# --- 3. Redis stopped ----------------------------------------------------------------------------


@scenario()
def redis_stop(stack: Stack, load: Load, recorder, extra: dict) -> None:
    time.sleep(3)
    watched = window(recorder, stack.redis_stop, 1.0)
    ready_check(stack, "cache", extra)
    time.sleep(5)
    watched2 = window(recorder, lambda: None, 0)
    ok_during = recorder_snapshot_ok(recorder)
    stack.redis_start()
    recovered = wait_ready(stack)
    log(f"Redis back; /ready 200 after {recovered:.1f} s. Outage: {watched}")
    time.sleep(4)
    extra["the API kept serving without Redis (no 5xx)"] = (
        not any(isinstance(k, int) and k >= 500 for k in watched["statuses"]) and ok_during,
        f"{watched} {watched2}",
    )
    extra["/ready 200 once Redis is back"] = (recovered < 10, f"{recovered:.1f} s")


def recorder_snapshot_ok(recorder) -> bool:
    with recorder.lock:
        return (
            not any(isinstance(k, int) and k >= 500 for k in recorder.statuses) and "transport" not in recorder.statuses
        )


# --- 4. NATS stopped -----------------------------------------------------------------------------


@scenario()
def nats_stop(stack: Stack, load: Load, recorder, extra: dict) -> None:
    time.sleep(3)
    watched = window(recorder, stack.nats_stop, 1.0)
    ready_check(stack, "nats", extra)
    time.sleep(7)
    stack.nats_start()
    log(f"NATS back after ~8 s. During the outage: {watched}")
    time.sleep(4)
    extra["the API was unaffected (no 5xx, no transport errors)"] = (recorder_snapshot_ok(recorder), str(watched))
    extra["relay restarts (supervised)"] = (True, f"{stack.relay_restarts()} relay process starts")


# --- 5. webhook receiver down, slow, failing ------------------------------------------------------


# A delivery that fails is retried 5 s later, then 5 min later. The healthy gaps between the
# faults are long enough (15 s > the 5 s retry + the 2 s timeout + the backlog a fault leaves)
# that a retry cannot land in the next fault, which would push it past the 90 s drain check.
# With 7 s gaps a few deliveries out of ~1,600 did, in one run of four.
FAULT_GAP_SECONDS = 15


@scenario(stack={"webhook_timeout": 2}, clients=3)
def webhook_receiver(stack: Stack, load: Load, recorder, extra: dict) -> None:
    time.sleep(2)
    stack.receiver_stop()
    log("receiver down for 4 s")
    time.sleep(4)
    stack.receiver_start()
    time.sleep(FAULT_GAP_SECONDS)
    stack.receiver_mode("slow", delay=3)
    log("receiver slow (3 s > the 2 s timeout) for 4 s")
    time.sleep(4)
    stack.receiver_mode("ok")
    time.sleep(FAULT_GAP_SECONDS)
    stack.receiver_mode("error")
    log("receiver answers 500 for 4 s")
    time.sleep(4)
    stack.receiver_mode("ok")
    time.sleep(3)


def webhook_retry_stats(extra: dict) -> None:
    from django.db.models import Count

    from webhooks.models import WebhookAttempt, WebhookDelivery

    retried = WebhookDelivery.objects.filter(attempt_count__gt=1).count()
    failures = dict(WebhookAttempt.objects.filter(succeeded=False).values_list("status_code").annotate(n=Count("id")))
    extra["deliveries retried after failed attempts"] = (
        True,
        f"{retried} deliveries needed more than one attempt; failed attempts by status code: {failures}",
    )


# --- 6. webhook worker killed mid-delivery; workers racing ---------------------------------------


@scenario(stack={"webhook_workers": 2}, clients=3)
def webhook_worker_kill(stack: Stack, load: Load, recorder, extra: dict) -> None:
    stack.receiver_mode("slow", delay=0.3)  # every delivery is in flight for 300 ms
    time.sleep(3)
    for round_ in range(3):
        name = f"webhooks-{round_ % 2}"
        proc = stack.procs[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        log(f"kill -9 of webhook worker {name} (pid {proc.pid}) mid-delivery; restarting it")
        stack.procs.pop(name)
        stack._spawn(name, [PYTHON, "manage.py", "run_webhook_worker", "--concurrency", "4", "--poll-interval", "0.2"])
        time.sleep(3)
    stack.receiver_mode("ok")
    time.sleep(2)


def duplicate_attempts(extra: dict, stack: Stack) -> None:
    from django.db.models import Count

    from webhooks.models import WebhookAttempt

    doubled = WebhookAttempt.objects.values("delivery", "attempt_number").annotate(n=Count("id")).filter(n__gt=1)
    received = stack.received_ids()
    twice = sum(1 for n in received.values() if n > 1)
    extra["no attempt recorded twice (two workers racing)"] = (not doubled.exists(), f"{doubled.count()} doubled")
    extra["receiver duplicates (at-least-once, expected after kills)"] = (True, f"{twice} ids received more than once")


# --- 7. a connector that times out after the charge went through ---------------------------------


@scenario(stack={"settings_module": "chaos_settings", "gunicorn_timeout": 5, "extra_env": {"CHAOS_HANG_SECONDS": 8}})
def connector_timeout(stack: Stack, load: Load, recorder, extra: dict) -> None:
    """Top-ups with amounts the chaos connector charges and then times out on (…07) or hangs on (…09)."""
    from load import Client

    workload = load.workload
    client = Client(stack.base_url, recorder, stop=threading.Event(), retry_for=30)
    outcomes: dict[str, int] = {}
    try:
        for index in range(24):
            user = workload.users[index % len(workload.users)]
            amount = 1_000 + 100 * index + (7 if index % 2 == 0 else 9)
            keyed = index % 4 < 2
            payload = {"amount": amount, "currency": "usd", "wallet": user.wallet,
                       "payment_method": user.payment_method, "confirm": True}  # fmt: skip
            if keyed:
                key = workload._key("payment_intent")
                payload["metadata"] = {"load_key": key}
                status, body = client.call("POST", "/v1/payment_intents", token=user.token, json_body=payload, key=key)
            else:  # no key: a careful client does not blindly retry a non-idempotent POST
                client.retry_for = 0
                status, body = client.call("POST", "/v1/payment_intents", token=user.token, json_body=payload)
                client.retry_for = 30
            label = f"{'keyed' if keyed else 'unkeyed'} …{amount % 100:02d} -> {status}"
            outcomes[label] = outcomes.get(label, 0) + 1
            if status == 201:
                intent = body["data"]
                recorder.ack("payment_intent", id=intent["id"], key=payload.get("metadata", {}).get("load_key"),
                             status=intent["status"], amount=amount)  # fmt: skip
    finally:
        client.close()
    log(f"chaos top-ups: {outcomes}")
    extra["chaos top-ups answered"] = (True, str(outcomes))
    time.sleep(2)


def connector_checks(extra: dict, stack: Stack) -> None:
    from django.db.models import Count

    from payments.models import PaymentAttempt, PaymentIntent, SimulatorOperation

    result = stack.manage("sync_payment_attempts", "--older-than", "0")
    extra["sync_payment_attempts ran"] = (result.returncode == 0, (result.stdout + result.stderr).strip()[-300:])
    charges = (
        SimulatorOperation.objects.filter(operation="authorize", status="succeeded")
        .extra(select={"intent": "split_part(idempotency_key, ':', 1)"})
        .values("intent")
        .annotate(n=Count("id"))
    )
    doubled = [row["intent"] for row in charges if row["n"] > 1]
    extra["no payment charged twice at the connectors"] = (
        not doubled,
        f"{len(doubled)} intents with two successful charges (e.g. {doubled[:3]})",
    )
    stuck = PaymentIntent.objects.filter(status="processing").count()
    pending = PaymentAttempt.objects.filter(status="pending").count()
    extra["nothing left processing after sync_payment_attempts"] = (
        not stuck and not pending,
        f"{stuck} intents processing, {pending} attempts pending",
    )
    orphans = [
        row["intent"]
        for row in charges
        if not PaymentIntent.objects.filter(public_id=row["intent"], status="succeeded").exists()
    ]
    extra["every charge at a connector is a succeeded intent"] = (
        not orphans,
        f"{len(orphans)} charges without a succeeded intent (e.g. {orphans[:3]})",
    )


# --- running ---------------------------------------------------------------------------------------


def run_one(name: str, keep_logs: bool) -> bool:
    from load import Recorder, Workload, check_all, django_setup, print_checks

    spec = SCENARIOS[name]
    began = time.monotonic()
    print(f"\n=== {name}: {spec['fn'].__doc__ or ''}".rstrip(), flush=True)
    stack = Stack(
        gunicorn_workers=3, keep_logs=keep_logs, **{"extra_env": {"JWT_ACCESS_MINUTES": 120}, **spec["stack"]}
    )
    try:
        stack.start()
        django_setup(stack)
        recorder = Recorder()
        workload = Workload(stack, recorder)
        workload.setup(spec["users"], threads=4)
        extra: dict[str, tuple[bool, str]] = {}
        with Load(workload, spec["clients"]) as load:
            spec["fn"](stack, load, recorder, extra)
        from load import report

        report(recorder, time.monotonic() - began, title=f"{name}: load during the scenario")
        if name == "webhook_receiver":
            webhook_retry_stats(extra)
        if name == "webhook_worker_kill":
            duplicate_attempts(extra, stack)
        if name == "connector_timeout":
            connector_checks(extra, stack)
        results = check_all(stack, recorder, drain_timeout=90)
        results.update(extra)
        ok = print_checks(results)
        print(f"=== {name}: {'PASS' if ok else 'FAIL'} in {time.monotonic() - began:.0f} s", flush=True)
        if not ok:
            for proc in ("gunicorn", "relay", "webhooks-0"):
                print(f"--- tail of {proc}.log ---\n{stack.tail(proc, 15)}")
        return ok
    finally:
        stack.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="Scenario names, 'all' or 'fast'.")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--keep-logs", action="store_true", help="Keep each private stack's directory.")
    args = parser.parse_args()
    if args.list or not args.names:
        for name in SCENARIOS:
            print(f"{name}{'  (fast)' if name in FAST else ''}")
        return
    names = [n for arg in args.names for n in (list(SCENARIOS) if arg == "all" else FAST if arg == "fast" else [arg])]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {unknown}; see --list")
    if len(names) == 1:
        sys.exit(0 if run_one(names[0], args.keep_logs) else 1)
    results = {}
    for name in names:  # one process per scenario: Django is configured once per process
        argv = [PYTHON, __file__, name, *(["--keep-logs"] if args.keep_logs else [])]
        results[name] = subprocess.run(argv, timeout=900).returncode == 0
    print("\nSummary:")
    for name, ok in results.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    sys.exit(0 if all(results.values()) else 1)


if __name__ == "__main__":
    main()
