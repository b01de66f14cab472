"""The payments context's scrape-time gauge: each connector's circuit state."""

from prometheus_client.core import GaugeMetricFamily

from payments.routing import breaker_states


def collect():
    gauge = GaugeMetricFamily(
        "payments_connector_circuit_open",
        "1 while a connector's circuit breaker is open (skipped), else 0.",
        labels=["connector"],
    )
    for connector, is_open in breaker_states().items():
        gauge.add_metric([connector], 1 if is_open else 0)
    yield gauge
