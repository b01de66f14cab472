"""Every Prometheus metric of the platform, and the helpers the apps call to count.

Counts are right across gunicorn workers: with `PROMETHEUS_MULTIPROC_DIR` set (gunicorn.conf.py
sets it), prometheus-client keeps each worker's values in memory-mapped files there and the
scrape sums them; `gunicorn.conf.py`'s `child_exit` marks a dead worker's files. Without it
(tests, `manage.py runserver`), the values live in this process.

Business counters are incremented after the transaction commits (`transaction.on_commit`, which
runs at once outside a transaction), so a rolled-back transfer is never counted. Gauges that need
a query (webhook backlog, relay lag, circuit state, scheduled jobs) are not here: they are
computed at scrape time by the collectors apps register (`scrape_collector_register`).

`METRICS_ENABLED=false` turns every helper into a no-op (the benchmark's baseline).
"""

import re
from collections.abc import Callable, Iterable
from enum import StrEnum
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from prometheus_client import Counter, Histogram
from prometheus_client.core import Metric

# --- HTTP -------------------------------------------------------------------------------

http_requests = Counter(
    "http_requests",
    "HTTP requests served, by route (the URL pattern), method and status code.",
    ["route", "method", "status"],
)
http_request_duration = Histogram(
    "http_request_duration_seconds",
    "Time to serve a request, by route (the URL pattern) and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
UNMATCHED_ROUTE = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_PATH_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


@lru_cache(maxsize=1024)
def route_label(route: str | None) -> str:
    """`v1/transfers/(?P<pk>[A-Za-z0-9_]+)$` -> `/v1/transfers/{pk}`: the URL pattern, never the raw path,
    so the label set stays as small as the URL map. The catch-all of unknown /v1 paths is `unmatched`."""
    if not route or route.startswith("^v1(?:"):
        return UNMATCHED_ROUTE
    route = _PATH_CONVERTER.sub(r"{\1}", _REGEX_GROUP.sub(r"{\1}", route))
    return "/" + route.replace("^", "").replace("$", "").lstrip("/")


# --- Business ---------------------------------------------------------------------------


class TransferOutcome(StrEnum):
    """The `outcome` label of `payments_transfers`: the fraud outcome types, and the refusal for funds."""

    AUTHORIZED = "authorized"
    MANUAL_REVIEW = "manual_review"
    BLOCKED = "blocked"
    INSUFFICIENT_FUNDS = "insufficient_funds"


transfers = Counter(
    "payments_transfers",
    "Transfers by outcome: authorized or manual_review (committed), blocked or insufficient_funds (refused).",
    ["outcome"],
)
payment_intents = Counter(
    "payments_payment_intents",
    "Payment intent state changes (one per event written), by the status reached and the connector.",
    ["status", "connector"],
)
refunds = Counter("payments_refunds", "Refunds by status reached (succeeded, pending, failed).", ["status"])
payouts = Counter("payments_payouts", "Payouts by status reached (pending, paid, failed, ...).", ["status"])
disputes = Counter(
    "payments_disputes",
    "Dispute changes by the status reached (warning_needs_response, needs_response, won, lost, ...).",
    ["status"],
)
fraud_decisions = Counter(
    "payments_fraud_decisions",
    "Fraud screening decisions by operation (transfer, payout, payment_intent) and outcome type.",
    ["operation", "outcome"],
)
idempotent_replays = Counter(
    "payments_idempotent_replays", "Requests answered from a stored idempotency key (Idempotent-Replayed: true)."
)
webhook_deliveries = Counter(
    "payments_webhook_deliveries",
    "Webhook delivery attempts by result: succeeded, retrying (failed, retry scheduled), failed (gave up), canceled.",
    ["result"],
)


def _enabled() -> bool:
    return getattr(settings, "METRICS_ENABLED", True)


def _after_commit(increment: Callable[[], None]) -> None:
    if _enabled():
        transaction.on_commit(increment)


_request_children: dict[tuple[str | None, str, int], tuple] = {}


def _request_children_of(route: str | None, method: str, status: int) -> tuple:
    """The counter and histogram children of one (route, method, status), bound once per process:
    a request then costs two dictionary lookups and two value writes, no label validation or
    registry lock. The keys are bounded as the labels are (URL patterns, known methods, statuses)."""
    key = (route, method, status)
    children = _request_children.get(key)
    if children is None:
        label = route_label(route)
        method_label = method if method in _METHODS else "other"
        children = (
            http_requests.labels(label, method_label, str(status)),
            http_request_duration.labels(label, method_label),
        )
        if method in _METHODS:  # an unknown method is not kept: clients choose those freely
            _request_children[key] = children
    return children


def request_observed(*, route: str | None, method: str, status: int, seconds: float) -> None:
    """Count one served request and its latency (RequestIdMiddleware calls it for every request)."""
    if not _enabled():
        return
    requests, duration = _request_children_of(route, method, status)
    requests.inc()
    duration.observe(seconds)


def transfer_counted(*, outcome: str) -> None:
    """Count a transfer once its transaction commits (at once when refused outside a transaction)."""
    _after_commit(lambda: transfers.labels(outcome).inc())


def payment_intent_counted(*, status: str, connector: str) -> None:
    """Count a payment intent reaching `status` through `connector` ("" before routing: "none")."""
    _after_commit(lambda: payment_intents.labels(status, connector or "none").inc())


def refund_counted(*, status: str) -> None:
    _after_commit(lambda: refunds.labels(status).inc())


def payout_counted(*, status: str) -> None:
    _after_commit(lambda: payouts.labels(status).inc())


def dispute_counted(*, status: str) -> None:
    """Count a dispute reaching `status`. For the disputes code: call it where each dispute.* event is
    recorded, with the dispute's new status; it counts after the transaction commits."""
    _after_commit(lambda: disputes.labels(status).inc())


def fraud_decision_counted(*, operation: str, outcome: str) -> None:
    """Count one screening decision (`outcome` is authorized, manual_review or blocked)."""
    _after_commit(lambda: fraud_decisions.labels(operation, outcome).inc())


def idempotent_replay_counted() -> None:
    if _enabled():
        idempotent_replays.inc()


def webhook_delivery_counted(*, result: str) -> None:
    _after_commit(lambda: webhook_deliveries.labels(result).inc())


# --- Scrape-time collectors ---------------------------------------------------------------
# A collector is a function returning Prometheus metric families, computed when /metrics is
# scraped (so in one process, from the database or the cache, whatever the worker count). Apps
# register theirs in AppConfig.ready: payments_platform never imports an app above it.

ScrapeCollector = Callable[[], Iterable[Metric]]
_scrape_collectors: dict[str, ScrapeCollector] = {}


def scrape_collector_register(name: str, collect: ScrapeCollector) -> None:
    """Add (or replace) the scrape-time collector `name`."""
    _scrape_collectors[name] = collect


def scrape_collectors() -> dict[str, ScrapeCollector]:
    return dict(_scrape_collectors)
