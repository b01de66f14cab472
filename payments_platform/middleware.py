"""Request-ID and access-log middleware: the first and last thing every request sees."""

import re
import time
import uuid
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse

from payments_platform.observability import metrics

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

access_log = structlog.get_logger("payments_platform.access")


def request_id_from(request: HttpRequest) -> str:
    """Keep a well-formed client request ID; replace anything else with a fresh UUID4."""
    candidate = request.headers.get(REQUEST_ID_HEADER, "")
    if _VALID_REQUEST_ID.fullmatch(candidate):
        return candidate
    return str(uuid.uuid4())


def request_id_of(request) -> str:
    """The request ID this middleware assigned (an empty string outside a request, as in commands)."""
    return getattr(request, "request_id", "") or ""


def _user_id(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return getattr(user, "public_id", None)
    return None


class RequestIdMiddleware:
    """Assign the request ID, bind it to every log line, echo it, and log one access line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request)
        request.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        duration_ms = round(elapsed * 1000, 2)
        response[REQUEST_ID_HEADER] = request_id
        match = getattr(request, "resolver_match", None)
        metrics.request_observed(
            route=match.route if match else None, method=request.method, status=response.status_code, seconds=elapsed
        )
        user_id = _user_id(request)
        if user_id:
            structlog.contextvars.bind_contextvars(user_id=user_id)
        access_log.info(
            "request",
            method=request.method,
            path=request.path,
            route=match.route if match else None,
            status=response.status_code,
            duration_ms=duration_ms,
            user_id=user_id,
        )
        # Django would log 4xx/5xx again after this middleware returns, without the
        # request ID; the access line above already records them.
        response._has_been_logged = True
        structlog.contextvars.clear_contextvars()
        return response
