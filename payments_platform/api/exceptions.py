"""One exception handler: every error becomes the envelope's Stripe-style error object."""

from typing import Any

import structlog
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response

from payments_platform.api.errors import APIError

logger = structlog.get_logger(__name__)

_MISSING_CODES = frozenset({"required"})


def _param_path(path: list[str]) -> str | None:
    """Stripe's style for nested params: `card[number]`, `metadata[order_id]`."""
    if not path:
        return None
    head, *rest = path
    return head + "".join(f"[{part}]" for part in rest)


def _first_leaf(detail: Any, path: list[str]) -> tuple[list[str], str, str] | None:
    """Walk a DRF error detail to its first leaf: (param path, message, code).

    Valid items of a list show up as empty dicts (`[{}, {"amount": [...]}]`); they are skipped.
    """
    if isinstance(detail, dict):
        for key, value in detail.items():
            child_path = path if key in ("non_field_errors", "__all__") else [*path, str(key)]
            found = _first_leaf(value, child_path)
            if found is not None:
                return found
        return None
    if isinstance(detail, list):
        for index, value in enumerate(detail):
            found = _first_leaf(value, [*path, str(index)] if isinstance(value, dict | list) else path)
            if found is not None:
                return found
        return None
    code = getattr(detail, "code", None) or "invalid"
    return path, str(detail), code


def _first_validation_error(detail: Any, path: list[str]) -> tuple[list[str], str, str]:
    return _first_leaf(detail, path) or (path, "The request was invalid.", "invalid")


def validation_error_body(detail: Any) -> dict:
    path, message, code = _first_validation_error(detail, [])
    param = _param_path(path)
    error_code = "parameter_missing" if code in _MISSING_CODES else "parameter_invalid"
    if param and message and not message.startswith(param):
        message = f"{param}: {message}"
    return {"type": "invalid_request_error", "code": error_code, "message": message, "param": param}


def _error(status: int, error_type: str, code: str, message: str, param: str | None = None) -> tuple[int, dict]:
    return status, {"type": error_type, "code": code, "message": message, "param": param}


def error_for(exc: Exception) -> tuple[int, dict, dict[str, str]]:
    """Map any exception to (HTTP status, error object, extra headers)."""
    headers: dict[str, str] = {}
    if isinstance(exc, APIError):
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        return exc.status_code, exc.as_error(), headers
    if isinstance(exc, drf.ValidationError):
        return 400, validation_error_body(exc.detail), headers
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return 400, validation_error_body(drf.ValidationError(detail).detail), headers
    if isinstance(exc, drf.ParseError):
        return (*_error(400, "invalid_request_error", "parse_error", str(exc.detail)), headers)
    if isinstance(exc, drf.UnsupportedMediaType):
        return (
            *_error(415, "invalid_request_error", "unsupported_media_type", "Send the body as application/json."),
            headers,
        )
    if isinstance(exc, drf.NotAuthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return (
            *_error(
                401, "authentication_error", "authentication_required", "Authentication credentials were not provided."
            ),
            headers,
        )
    if isinstance(exc, drf.AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
        if getattr(exc, "envelope_code", None):  # our own (an API key's): its code and message
            return (*_error(401, "authentication_error", exc.envelope_code, str(exc.detail)), headers)
        message = "The access token is invalid, expired or revoked."
        return (*_error(401, "authentication_error", "token_invalid", message), headers)
    if isinstance(exc, drf.PermissionDenied | DjangoPermissionDenied):
        return (
            *_error(403, "permission_error", "permission_denied", "You do not have permission to do this."),
            headers,
        )
    if isinstance(exc, drf.NotFound | Http404):
        return (*_error(404, "invalid_request_error", "resource_missing", "No such object."), headers)
    if isinstance(exc, drf.MethodNotAllowed):
        return (*_error(405, "invalid_request_error", "method_not_allowed", str(exc.detail)), headers)
    if isinstance(exc, drf.NotAcceptable):
        return (*_error(406, "invalid_request_error", "not_acceptable", str(exc.detail)), headers)
    if isinstance(exc, drf.Throttled):
        wait = max(1, int(exc.wait or 1))
        headers["Retry-After"] = str(wait)
        return (*_error(429, "rate_limit_error", "rate_limit", f"Too many requests. Retry in {wait} seconds."), headers)
    if isinstance(exc, drf.APIException):
        return (*_error(exc.status_code, "invalid_request_error", str(exc.default_code), str(exc.detail)), headers)
    if isinstance(exc, OperationalError | InterfaceError):
        logger.error("database_unavailable", error_class=type(exc).__name__)
        headers["Retry-After"] = "1"
        return (
            *_error(503, "api_error", "service_unavailable", "The database is temporarily unavailable. Retry later."),
            headers,
        )
    if isinstance(exc, DatabaseError):
        logger.exception("database_error")
        return (*_error(500, "api_error", "internal_error", "An internal error occurred."), headers)
    logger.exception("unhandled_exception", error_class=type(exc).__name__)
    return (*_error(500, "api_error", "internal_error", "An internal error occurred."), headers)


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's EXCEPTION_HANDLER: never returns None, so nothing escapes as a bare 500."""
    status, error, headers = error_for(exc)
    return Response(error, status=status, headers=headers)
