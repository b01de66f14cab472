"""The Grafana dashboard of the platform, written once here: its JSON, a recorded scrape, and a picture.

Each panel is a PromQL query for Grafana and the same computation in Python over recorded
scrapes of GET /metrics, so the picture in docs/observability.md shows what Grafana would.

    .venv/bin/python scripts/observability/dashboard.py write    # deploy/grafana/payments.json
    .venv/bin/python scripts/observability/dashboard.py record   # docs/observability/scrape.jsonl (needs DATABASE_URL)
    .venv/bin/python scripts/observability/dashboard.py render   # docs/observability/dashboard.png (matplotlib)

`record` starts gunicorn (3 workers, port 18731) on the database DATABASE_URL names, drives about
two minutes of mixed traffic (transfers, refused transfers, idempotent replays, card payments,
unknown ids, webhooks left pending and then delivered by one `run_webhook_worker --once` sharing
the multiprocess directory) and scrapes /metrics every 5 seconds.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "payments.json"
SCRAPE = ROOT / "docs" / "observability" / "scrape.jsonl"
PICTURE = ROOT / "docs" / "observability" / "dashboard.png"
PORT = 18731
TOKEN = "dashboard-recording-token"
WINDOW = 6  # scrapes in a rate window (30 s at one scrape every 5 s); Grafana uses [5m]


@dataclass(frozen=True)
class Panel:
    title: str
    expr: str
    legend: str
    unit: str  # Grafana unit id
    kind: str  # how the picture computes it: rate, ratio, quantile, gauge
    family: str  # the metric the picture reads
    by: tuple[str, ...] = ()
    where: tuple[tuple[str, str], ...] = ()


PANELS = [
    Panel("Requests per second by status", 'sum by (status) (rate(http_requests_total[5m]))', "{{status}}",
          "reqps", "rate", "http_requests_total", ("status",)),
    Panel("5xx error ratio", 'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))',
          "5xx", "percentunit", "ratio", "http_requests_total"),
    Panel("p99 latency by route",
          "histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket[5m])))",
          "{{route}}", "s", "quantile", "http_request_duration_seconds", ("route",)),
    Panel("Transfers by outcome", "sum by (outcome) (rate(payments_transfers_total[5m]))", "{{outcome}}",
          "ops", "rate", "payments_transfers_total", ("outcome",)),
    Panel("Payment intents by status and connector",
          "sum by (status, connector) (rate(payments_payment_intents_total[5m]))", "{{status}} {{connector}}",
          "ops", "rate", "payments_payment_intents_total", ("status", "connector")),
    Panel("Fraud decisions", "sum by (operation, outcome) (rate(payments_fraud_decisions_total[5m]))",
          "{{operation}} {{outcome}}", "ops", "rate", "payments_fraud_decisions_total", ("operation", "outcome")),
    Panel("Refunds, payouts and disputes by status",
          "sum by (__name__, status) (rate({__name__=~\"payments_(refunds|payouts|disputes)_total\"}[5m]))",
          "{{__name__}} {{status}}", "ops", "rate", "payments_payouts_total", ("status",)),
    Panel("Idempotent replays", "sum(rate(payments_idempotent_replays_total[5m]))", "replays", "ops", "rate",
          "payments_idempotent_replays_total"),
    Panel("Webhook deliveries by result", "sum by (result) (rate(payments_webhook_deliveries_total[5m]))",
          "{{result}}", "ops", "rate", "payments_webhook_deliveries_total", ("result",)),
    Panel("Webhook backlog: pending deliveries", "payments_webhook_backlog_deliveries", "pending", "short", "gauge",
          "payments_webhook_backlog_deliveries"),
    Panel("Webhook backlog: age of the most overdue", "payments_webhook_backlog_oldest_age_seconds", "age", "s",
          "gauge", "payments_webhook_backlog_oldest_age_seconds"),
    Panel("Relay lag: unrelayed events", "payments_relay_lag_events", "events", "short", "gauge",
          "payments_relay_lag_events"),
    Panel("Relay lag: age of the oldest", "payments_relay_lag_oldest_age_seconds", "age", "s", "gauge",
          "payments_relay_lag_oldest_age_seconds"),
    Panel("Connector circuit open", "payments_connector_circuit_open", "{{connector}}", "short", "gauge",
          "payments_connector_circuit_open", ("connector",)),
    Panel("Scheduled jobs: last outcome", 'payments_job_last_outcome == 1', "{{job}} {{outcome}}", "short", "gauge",
          "payments_job_last_outcome", ("job", "outcome"), (("outcome", "failed"),)),
]  # fmt: skip


# --- write -------------------------------------------------------------------------------------


def dashboard_json() -> dict:
    panels = []
    for index, panel in enumerate(PANELS):
        panels.append(
            {
                "id": index + 1,
                "type": "timeseries",
                "title": panel.title,
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "gridPos": {"h": 8, "w": 8, "x": (index % 3) * 8, "y": (index // 3) * 8},
                "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
                "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
                "targets": [{"refId": "A", "expr": panel.expr, "legendFormat": panel.legend}],
            }
        )
    return {
        "title": "Payments platform",
        "uid": "payments-platform",
        "tags": ["payments"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [{"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Prometheus"}]
        },
        "panels": panels,
    }


def write() -> None:
    DASHBOARD.parent.mkdir(parents=True, exist_ok=True)
    DASHBOARD.write_text(json.dumps(dashboard_json(), indent=2) + "\n")
    print(f"wrote {DASHBOARD.relative_to(ROOT)} ({len(PANELS)} panels)")


# --- record ------------------------------------------------------------------------------------


def record(seconds: float) -> None:
    import httpx

    sys.path.insert(0, str(ROOT))
    from benchmarks.support import BENCHMARK_SECRET_KEY, start_gunicorn

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "payments_platform.settings")
    os.environ.update({"SECRET_KEY": BENCHMARK_SECRET_KEY, "DEBUG": "false", "HTTPS_ONLY": "false"})
    os.environ.update({"LOG_LEVEL": "WARNING", "METRICS_TOKEN": TOKEN, "WEBHOOK_ALLOW_PRIVATE_URLS": "true"})
    multiproc = tempfile.mkdtemp(prefix="pp-prometheus-record-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = multiproc
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    parties = _seed()
    server = start_gunicorn(PORT, 3, ready_seconds=180)
    base = f"http://127.0.0.1:{PORT}"
    stop = threading.Event()
    scrapes: list[dict] = []
    try:
        traffic = [threading.Thread(target=_traffic, args=(base, parties, stop, seed)) for seed in range(3)]
        for thread in traffic:
            thread.start()
        started = time.monotonic()
        delivered = False
        while time.monotonic() - started < seconds:
            body = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60).text
            scrapes.append({"t": round(time.monotonic() - started, 2), "text": _keep(body)})
            print(f"  scrape {len(scrapes)} at {scrapes[-1]['t']:.0f} s", flush=True)
            if not delivered and time.monotonic() - started > seconds * 0.6:
                delivered = True  # the worker runs once: the backlog drains, deliveries are counted
                subprocess.Popen(
                    [sys.executable, "manage.py", "run_webhook_worker", "--once"], cwd=ROOT, env=os.environ.copy()
                )
            time.sleep(5)
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(multiproc, ignore_errors=True)
    SCRAPE.parent.mkdir(parents=True, exist_ok=True)
    SCRAPE.write_text("".join(json.dumps(scrape) + "\n" for scrape in scrapes))
    print(f"wrote {SCRAPE.relative_to(ROOT)} ({len(scrapes)} scrapes)")


def _keep(text: str) -> str:
    """Only the samples the panels read (the scrape also carries every bucket of every route)."""
    families = {panel.family for panel in PANELS}
    wanted = (*families, "payments_refunds_total", "payments_disputes_total")
    return "\n".join(line for line in text.splitlines() if line.startswith(wanted)) + "\n"


def _seed():
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User
    from wallets.services import wallet_adjust, wallet_create
    from webhooks.services import endpoint_create

    run = f"{int(time.time())}"
    parties = []
    for index in range(6):
        user = User.objects.create(email=f"dashboard-{run}-{index}@example.com", password="!")  # noqa: S106 - unusable
        wallet = wallet_create(user=user, currency="usd")
        wallet_adjust(wallet=wallet, amount=10**8, reason="dashboard recording")
        if index < 2:  # their events wait for the webhook worker
            endpoint_create(user=user, url="http://127.0.0.1:18732/hook", enabled_events=["*"])
        parties.append((wallet.public_id, str(RefreshToken.for_user(user).access_token)))
    return parties


def _traffic(base: str, parties, stop: threading.Event, seed: int) -> None:
    import httpx

    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=60) as http:
        while not stop.is_set():
            (source, token), (destination, _) = rng.sample(parties, 2)
            auth = {"Authorization": f"Bearer {token}"}
            roll = rng.random()
            if roll < 0.6:
                http.post(
                    "/v1/transfers",
                    headers=auth,
                    json={"source_wallet": source, "destination_wallet": destination, "amount": rng.randint(1, 900)},
                )
            elif roll < 0.7:  # more than the wallet holds: 400 insufficient funds
                http.post(
                    "/v1/transfers",
                    headers=auth,
                    json={"source_wallet": source, "destination_wallet": destination, "amount": 10**10},
                )
            elif roll < 0.8:
                key = {"Idempotency-Key": f"dash-{seed}-{rng.randint(0, 5)}", **auth}
                http.post(
                    "/v1/transfers",
                    headers=key,
                    json={"source_wallet": source, "destination_wallet": destination, "amount": 1},
                )
            elif roll < 0.9:
                card = http.post(
                    "/v1/payment_methods",
                    headers=auth,
                    json={
                        "type": "card",
                        "card": {
                            "number": rng.choice(["4242424242424242", "4000000000000002"]),
                            "exp_month": 12,
                            "exp_year": 2035,
                            "cvc": "123",
                        },
                    },
                ).json()["data"]
                http.post(
                    "/v1/payment_intents",
                    headers=auth,
                    json={
                        "amount": rng.randint(500, 5000),
                        "currency": "usd",
                        "wallet": source,
                        "payment_method": card["id"],
                        "confirm": True,
                    },
                )
            else:
                http.get("/v1/transfers/tr_doesnotexist", headers=auth)
            time.sleep(0.05)  # fmt: skip


# --- render ------------------------------------------------------------------------------------


def _parse(text: str) -> dict[tuple[str, tuple], float]:
    from prometheus_client.parser import text_string_to_metric_families

    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _grouped(samples, name: str, by: tuple[str, ...], where=()) -> dict[tuple, float]:
    grouped: dict[tuple, float] = defaultdict(float)
    for (sample_name, labels), value in samples.items():
        labels = dict(labels)
        if sample_name == name and all(labels.get(key) == want for key, want in where):
            grouped[tuple(labels.get(key, "") for key in by)] += value
    return grouped


def _series(panel: Panel, snapshots) -> dict[str, list[tuple[float, float]]]:
    series: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for index, (moment, samples) in enumerate(snapshots):
        if panel.kind == "gauge":
            for key, value in _grouped(samples, panel.family, panel.by, panel.where).items():
                series[" ".join(key) or panel.legend].append((moment, value))
            continue
        if index < WINDOW:
            continue
        earlier_moment, earlier = snapshots[index - WINDOW]
        span = moment - earlier_moment
        if panel.kind == "quantile":
            for key, value in _quantile(samples, earlier, panel, 0.99).items():
                series[key].append((moment, value))
            continue
        name = panel.family
        now, then = _grouped(samples, name, panel.by), _grouped(earlier, name, panel.by)
        if panel.kind == "ratio":
            total = sum(now.values()) - sum(then.values())
            errors = sum(v for k, v in _grouped(samples, name, ("status",)).items() if k[0].startswith("5")) - sum(
                v for k, v in _grouped(earlier, name, ("status",)).items() if k[0].startswith("5")
            )
            series[panel.legend].append((moment, errors / total if total else 0.0))
            continue
        for key, value in now.items():
            series[" ".join(key) or panel.legend].append((moment, (value - then.get(key, 0.0)) / span))
    return series


def _quantile(samples, earlier, panel: Panel, q: float) -> dict[str, float]:
    buckets: dict[str, dict[float, float]] = defaultdict(dict)
    name = panel.family + "_bucket"
    for (sample_name, labels), value in samples.items():
        labels = dict(labels)
        if sample_name != name:
            continue
        before = earlier.get((sample_name, tuple(sorted(labels.items()))), 0.0)
        bound = float(labels["le"])
        route = labels["route"]
        buckets[route][bound] = buckets[route].get(bound, 0.0) + value - before
    result = {}
    for route, counts in buckets.items():
        bounds = sorted(counts)
        total = counts[bounds[-1]]
        if total <= 0:
            continue
        rank, lower, below = q * total, 0.0, 0.0
        for bound in bounds:
            if counts[bound] >= rank:
                upper = bound if bound != float("inf") else lower
                width = counts[bound] - below
                result[route] = lower + (upper - lower) * ((rank - below) / width if width else 0.0)
                break
            lower, below = bound, counts[bound]
    return result


def render() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    snapshots = [(scrape["t"], _parse(scrape["text"])) for scrape in map(json.loads, SCRAPE.read_text().splitlines())]
    columns = 3
    rows = (len(PANELS) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(18, 3.2 * rows), constrained_layout=True)
    figure.suptitle("Payments platform (deploy/grafana/payments.json) over a recorded scrape of GET /metrics")
    for axis, panel in zip(axes.flat, PANELS, strict=False):
        axis.set_title(panel.title, fontsize=10, loc="left")
        series = _series(panel, snapshots)
        for label, points in sorted(series.items()):
            axis.plot([t for t, _ in points], [v for _, v in points], label=label[:40], linewidth=1.4)
        if series:
            axis.legend(fontsize=7, loc="upper left")
        else:
            axis.text(0.5, 0.5, "no data", ha="center", va="center", transform=axis.transAxes, color="grey")
        axis.set_xlabel("seconds", fontsize=7)
        axis.set_ylabel(panel.unit, fontsize=7)
        axis.tick_params(labelsize=7)
        axis.grid(alpha=0.3)
    for axis in list(axes.flat)[len(PANELS) :]:
        axis.axis("off")
    PICTURE.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(PICTURE, dpi=80)
    print(f"wrote {PICTURE.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["write", "record", "render"])
    parser.add_argument("--seconds", type=float, default=120.0, help="record: how long (default 120)")
    args = parser.parse_args()
    {"write": write, "record": lambda: record(args.seconds), "render": render}[args.action]()


if __name__ == "__main__":
    main()
