"""The webhooks context's scrape-time gauges: the delivery backlog and the relay's lag."""

from prometheus_client.core import GaugeMetricFamily

from webhooks.selectors import delivery_backlog, relay_lag


def _gauges(count_name: str, age_name: str, what: str, reading: dict):
    count = GaugeMetricFamily(count_name, f"{what} (counted up to a bound).")
    count.add_metric([], reading["count"])
    age = GaugeMetricFamily(age_name, f"{what}: age of the oldest in seconds, 0 when there is none.")
    age.add_metric([], reading["oldest_age_seconds"] or 0.0)
    return [count, age]


def collect():
    yield from _gauges(
        "payments_webhook_backlog_deliveries",
        "payments_webhook_backlog_oldest_age_seconds",
        "Pending webhook deliveries",
        delivery_backlog(),
    )
    yield from _gauges(
        "payments_relay_lag_events",
        "payments_relay_lag_oldest_age_seconds",
        "Events not yet relayed to NATS",
        relay_lag(),
    )
