"""OpenTelemetry traces, on only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

On: the kept instrumentations trace every request (Django), database statement (psycopg), Redis
call and outgoing HTTP request (httpx: webhook sends), and `span()` adds the connector calls and
webhook sends by name; spans go to the OTLP/HTTP collector in batches. Every log line then
carries `trace_id` and `span_id` beside `request_id` (`add_trace_context`).

Off: nothing is imported from OpenTelemetry, `span()` returns one shared no-op context manager
and `add_trace_context` returns the line untouched, so tracing costs a function call.
"""

from contextlib import AbstractContextManager, nullcontext
from typing import Any

_NO_SPAN = nullcontext()
_tracer = None
_span_context = None  # the SDK's `get_current_span` while tracing is on


def enabled() -> bool:
    return _tracer is not None


def configure(*, service_name: str, endpoint: str = "", exporter=None) -> None:
    """Install the tracer provider and the instrumentations (once per process).

    `exporter` replaces the OTLP exporter (tests pass an in-memory one; spans are then exported
    synchronously); otherwise spans are batched to `<endpoint>/v1/traces`.
    """
    global _tracer, _span_context
    if _tracer is not None:
        return
    from opentelemetry import trace
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    DjangoInstrumentor().instrument(tracer_provider=provider)
    PsycopgInstrumentor().instrument(tracer_provider=provider, skip_dep_check=True)
    RedisInstrumentor().instrument(tracer_provider=provider)
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    _instrument_django_connections()
    _tracer = trace.get_tracer("payments_platform")
    _span_context = trace.get_current_span


def _instrument_django_connections() -> None:
    """Django's psycopg backend replaces the connection's cursor factory after connecting, which
    undoes PsycopgInstrumentor's; so each new Django connection is instrumented once more."""
    from django.db.backends.signals import connection_created
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

    def instrument(sender, connection, **kwargs) -> None:
        PsycopgInstrumentor.instrument_connection(connection.connection)

    connection_created.connect(instrument, weak=False, dispatch_uid="otel_psycopg")


def span(name: str, **attributes: Any) -> AbstractContextManager:
    """A child span of the current one named `name` (a no-op while tracing is off)."""
    if _tracer is None:
        return _NO_SPAN
    return _tracer.start_as_current_span(name, attributes=attributes)


def add_trace_context(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: `trace_id` and `span_id` of the current span, when tracing is on."""
    if _span_context is None:
        return event_dict
    context = _span_context().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", format(context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(context.span_id, "016x"))
    return event_dict
