"""`GET /metrics`: the Prometheus text format, outside /v1/ and its envelope, behind METRICS_TOKEN.

With `METRICS_TOKEN` unset the endpoint does not exist (404, like any unknown path), so an
unconfigured deployment exposes nothing and says nothing about it. With it set, a request without
`Authorization: Bearer <METRICS_TOKEN>` gets 401.
"""

import hmac
import os

import structlog
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from payments_platform.observability.metrics import scrape_collectors

logger = structlog.get_logger(__name__)


class _Collect:
    """Adapts a function returning metric families to prometheus-client's collector protocol."""

    def __init__(self, name: str, collect):
        self.name, self._collect = name, collect

    def collect(self):
        try:
            yield from self._collect()
        except Exception as error:  # noqa: BLE001 - one broken gauge must not hide every other metric
            logger.warning("metrics_collector_failed", collector=self.name, error_class=type(error).__name__)

    def describe(self):
        return []  # collected at scrape time only, never at registration


class _ThisProcess:
    """The metrics of this process's default registry (no multiprocess directory)."""

    def collect(self):
        return REGISTRY.collect()

    def describe(self):
        return []


def scrape_registry() -> CollectorRegistry:
    """A registry of every worker's counters and histograms plus the scrape-time gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    for name, collect in scrape_collectors().items():
        registry.register(_Collect(name, collect))
    return registry


def _authorized(request: HttpRequest, token: str) -> bool:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("metrics are off: METRICS_TOKEN is unset")
    if not _authorized(request, token):
        response = HttpResponse("unauthorized\n", status=401, content_type="text/plain; charset=utf-8")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
