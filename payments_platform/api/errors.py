"""Domain errors that the exception handler turns into the API's error envelope.

Each app defines its own subclasses next to its services (`InsufficientFunds`,
`CurrencyMismatch`, ...), with a stable `code`; this module maps none of them by name.
"""

from typing import ClassVar


class APIError(Exception):
    """An error with a Stripe-style type, code, HTTP status and optional offending param."""

    status_code: ClassVar[int] = 400
    error_type: ClassVar[str] = "invalid_request_error"
    code: ClassVar[str] = "invalid_request"
    default_message: ClassVar[str] = "The request was invalid."

    def __init__(
        self,
        message: str | None = None,
        *,
        param: str | None = None,
        code: str | None = None,
        status_code: int | None = None,
        extra: dict | None = None,
    ):
        self.message = message or self.default_message
        self.param = param
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.extra = extra or {}
        super().__init__(self.message)

    def as_error(self) -> dict:
        error = {
            "type": self.error_type,
            "code": self.code,
            "message": self.message,
            "param": self.param,
        }
        error.update(self.extra)
        return error


class InvalidRequest(APIError):
    """400 invalid_request_error with a caller-chosen code."""


class ParameterInvalid(APIError):
    code = "parameter_invalid"
    default_message = "A parameter has an invalid value."


class ResourceMissing(APIError):
    status_code = 404
    code = "resource_missing"
    default_message = "No such object."


class Conflict(APIError):
    status_code = 409
    code = "conflict"
    default_message = "The request conflicts with the current state."


class AuthenticationFailed(APIError):
    status_code = 401
    error_type = "authentication_error"
    code = "authentication_failed"
    default_message = "Invalid or missing credentials."


class PermissionDenied(APIError):
    status_code = 403
    error_type = "permission_error"
    code = "permission_denied"
    default_message = "You do not have permission to perform this request."


class RequestTooLarge(APIError):
    status_code = 413
    code = "request_too_large"
    default_message = "The request body is too large."


class IdempotencyError(APIError):
    error_type = "idempotency_error"


class RateLimited(APIError):
    status_code = 429
    error_type = "rate_limit_error"
    code = "rate_limit"
    default_message = "Too many requests. Retry later."

    def __init__(self, message: str | None = None, *, retry_after: int = 1, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = max(1, int(retry_after))


class CardError(APIError):
    status_code = 402
    error_type = "card_error"
    code = "card_declined"
    default_message = "The card was declined."


class ServiceUnavailable(APIError):
    status_code = 503
    error_type = "api_error"
    code = "service_unavailable"
    default_message = "A dependency is temporarily unavailable. Retry later."
