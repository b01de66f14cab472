"""Metrics, tracing, the event contract check, and logging (configured when the settings load)."""

from payments_platform.logging import configure_logging
from payments_platform.settings.core import DEBUG
from payments_platform.settings.environment import env

# --- Observability (issue 20; docs/observability.md) ------------------------------
# GET /metrics answers only with `Authorization: Bearer $METRICS_TOKEN`; unset, it is a 404.
# METRICS_ENABLED=false makes every metric helper a no-op (the instrumentation-cost baseline).
# OTEL_EXPORTER_OTLP_ENDPOINT set: OpenTelemetry traces (payments_platform.observability.tracing).

METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
OTEL_EXPORTER_OTLP_ENDPOINT = env.str("OTEL_EXPORTER_OTLP_ENDPOINT", default="")
OTEL_SERVICE_NAME = env.str("OTEL_SERVICE_NAME", default="payments-platform")
# The event contract (webhooks.contract): each event type's JSON Schema, also in the OpenAPI document.
# EVENT_SCHEMA_CHECK (on in the test suite) validates every event the code records against it.
EVENT_SCHEMA_CHECK = env.bool("EVENT_SCHEMA_CHECK", default=False)
# The schemas reach the OpenAPI document through a hook in settings.api (SPECTACULAR_SETTINGS).

# --- Logging ----------------------------------------------------------------------

LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING_CONFIG = None

configure_logging(log_format=LOG_FORMAT, level=LOG_LEVEL)
