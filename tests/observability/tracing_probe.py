"""Run by test_tracing.py in a fresh process (tracing is process-wide): turn tracing on with an
in-memory exporter, serve one request, call a connector and send one webhook, log a line inside a
span, and print the finished spans and the log lines as JSON on the last line of stdout.

Argument: "off" only reports which OpenTelemetry tracing modules django.setup() imported and the
global tracer provider.
"""

import io
import json
import logging
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "payments_platform.settings")

import django

django.setup()

if sys.argv[1:] == ["off"]:
    from opentelemetry import trace

    imported = [
        prefix
        for prefix in ("opentelemetry.sdk.trace", "opentelemetry.exporter", "opentelemetry.instrumentation")
        if any(name.startswith(prefix) for name in sys.modules)
    ]
    provider = type(trace.get_tracer_provider()).__name__
    print(json.dumps({"imported": imported, "tracer_provider": provider}))
    sys.exit(0)

import structlog  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from payments_platform.observability import tracing  # noqa: E402

exporter = InMemorySpanExporter()
tracing.configure(service_name="tracing-probe", exporter=exporter)

root = logging.getLogger()
stream = io.StringIO()
handler = logging.StreamHandler(stream)
handler.setFormatter(next(h.formatter for h in root.handlers if h.formatter is not None))
root.addHandler(handler)

from django.test import Client  # noqa: E402

from payments.connectors import connector_get  # noqa: E402
from webhooks.sender import Sender  # noqa: E402

client = Client()
response = client.post(
    "/v1/auth/register",
    {"email": "tracing-probe@example.com", "password": "violet-harbour-quantum-88"},
    content_type="application/json",
)
with tracing.span("probe.outside_request"):
    structlog.get_logger("probe").info("probe_line")
    connector_get("simulator_a").retrieve("probe-missing-key")
sender = Sender(timeout_seconds=2)
with tracing.span("webhook.send"):
    sender.send(url=sys.argv[1], body=b"{}", headers={"content-type": "application/json"})
sender.close()

spans = [
    {
        "name": span.name,
        "kind": span.kind.name,
        "trace_id": format(span.context.trace_id, "032x"),
        "attributes": {key: str(value) for key, value in (span.attributes or {}).items()},
    }
    for span in exporter.get_finished_spans()
]
lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
print(
    json.dumps({"status": response.status_code, "body": response.content.decode(), "spans": spans, "log_lines": lines})
)
