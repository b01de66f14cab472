"""Django-level 404 and 500 handlers: the envelope for API routes, plain pages elsewhere."""

import structlog
from django.http import HttpRequest, HttpResponse
from django.views.defaults import page_not_found, permission_denied, server_error
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes

from payments_platform.api.errors import ResourceMissing
from payments_platform.api.renderers import dumps, envelope

logger = structlog.get_logger(__name__)
_API_PREFIXES = ("/v1/", "/v1", "/health", "/ready")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(_API_PREFIXES)


def _json(request: HttpRequest, status: int, code: str, error_type: str, message: str) -> HttpResponse:
    body = envelope(
        error={"type": error_type, "code": code, "message": message, "param": None},
        trace_id=getattr(request, "request_id", None),
    )
    return HttpResponse(dumps(body), status=status, content_type="application/json")


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _json(request, 404, "resource_missing", "invalid_request_error", "Unrecognized request URL.")
    return page_not_found(request, exception)


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """An admin refusal renders inside the admin with its reason; elsewhere Django's page (the API
    answers its own 403s in the envelope)."""
    user = getattr(request, "user", None)
    if request.path.startswith("/admin/") and user is not None and user.is_active and user.is_staff:
        from payments_platform.admin import refusal

        reason = str(exception) if exception and str(exception) else "Your account lacks the permission this needs."
        return refusal(request, title="Not allowed", reason=reason).render()
    return permission_denied(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _json(request, 500, "internal_error", "api_error", "An internal error occurred.")
    return server_error(request)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([])
def unknown_route(request, *args, **kwargs):
    """Any `/v1/` path no route matched: 404 in the envelope, in DEBUG too."""
    raise ResourceMissing(f"Unrecognized request URL ({request.method}: {request.path}).")
