"""Liveness and readiness probes."""

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import urlparse

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

CHECK_TIMEOUT_SECONDS = 1.0


def _check_database() -> str:
    """Runs in its own thread, so on its own connection (closed afterwards): a hung server or a
    dead persistent connection of the request thread cannot make the probe wait."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()
    return "ok"


def _check_cache() -> str:
    probe_key = "health:probe"
    cache.set(probe_key, "1", timeout=5)
    if cache.get(probe_key) != "1":
        raise RuntimeError("cache did not return what was written")
    return "ok"


def _check_nats() -> str:
    """A TCP connect and the server's INFO banner, bounded by CHECK_TIMEOUT_SECONDS."""
    url = urlparse(settings.NATS_URL.split(",")[0])
    with socket.create_connection(
        (url.hostname or "127.0.0.1", url.port or 4222), timeout=CHECK_TIMEOUT_SECONDS
    ) as sock:
        sock.settimeout(CHECK_TIMEOUT_SECONDS)
        if not sock.recv(5).startswith(b"INFO"):
            raise RuntimeError("unexpected NATS banner")
    return "ok"


def _timed(check) -> tuple[str, str | None, float]:
    started = time.perf_counter()
    try:
        status, error = check(), None
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        status, error = "unavailable", type(exc).__name__
    return status, error, round((time.perf_counter() - started) * 1000, 2)


def readiness() -> tuple[bool, dict[str, dict]]:
    """Every dependency checked at once, in its own thread; the answer comes within
    CHECK_TIMEOUT_SECONDS whatever hangs (a check still running then is "unavailable", "Timeout")."""
    checks = {"database": _check_database, "cache": _check_cache}
    if settings.NATS_URL:
        checks["nats"] = _check_nats
    components: dict[str, dict] = {}
    executor = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="ready")
    started = time.perf_counter()
    futures = {name: executor.submit(_timed, check) for name, check in checks.items()}
    for name, future in futures.items():
        try:
            status, error, latency = future.result(
                timeout=max(0.0, CHECK_TIMEOUT_SECONDS - (time.perf_counter() - started))
            )
        except FutureTimeout:
            status, error, latency = "unavailable", "Timeout", round((time.perf_counter() - started) * 1000, 2)
        components[name] = {"status": status, "latency_ms": latency, "error": error}
    executor.shutdown(wait=False)  # a hung check finishes in the background, bounded by its own timeouts
    return all(c["status"] == "ok" for c in components.values()), components


class HealthView(APIView):
    """Liveness: the process answers. No database, no cache."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="health",
        responses={200: inline_serializer("Health", {"status": serializers.CharField()})},
        tags=["health"],
    )
    def get(self, request):
        return Response({"status": "ok"})


class ReadyView(APIView):
    """Readiness: the database and the cache (and NATS when configured) answer."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ready",
        responses={
            200: inline_serializer(
                "Readiness",
                {"status": serializers.CharField(), "components": serializers.DictField()},
            ),
            503: OpenApiResponse(
                description="Not ready; `error.components` holds each component's status, latency and error."
            ),
        },
        tags=["health"],
    )
    def get(self, request):
        ready, components = readiness()
        if ready:
            return Response({"status": "ok", "components": components})
        return Response(
            {
                "type": "api_error",
                "code": "service_unavailable",
                "message": "Not ready: " + ", ".join(n for n, c in components.items() if c["status"] != "ok"),
                "param": None,
                "components": components,
            },
            status=503,
        )
