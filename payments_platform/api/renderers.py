"""The response envelope, rendered with orjson."""

from decimal import Decimal
from typing import Any

import orjson
from django.utils.functional import Promise
from rest_framework.renderers import BaseRenderer


def _default(value: Any) -> Any:
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=orjson.OPT_NON_STR_KEYS)


def envelope(*, data: Any = None, error: dict | None = None, trace_id: str | None) -> dict:
    """Build the envelope every JSON response carries, success or error."""
    return {
        "object": "response",
        "success": error is None,
        "data": None if error is not None else data,
        "error": error,
        "trace_id": trace_id,
    }


class EnvelopeRenderer(BaseRenderer):
    """Wrap `response.data` in the envelope; responses of 400 and above carry it as `error`."""

    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None) -> bytes:
        renderer_context = renderer_context or {}
        response = renderer_context.get("response")
        request = renderer_context.get("request")
        trace_id = getattr(request, "request_id", None) if request is not None else None
        if response is not None and response.status_code >= 400:
            return dumps(envelope(error=data, trace_id=trace_id))
        return dumps(envelope(data=data, trace_id=trace_id))


class CsvRenderer(BaseRenderer):
    """Lets content negotiation accept `Accept: text/csv` on views that stream CSV themselves.

    Such a view returns a `StreamingHttpResponse` for CSV, so this renderer never renders a success;
    an error (a 404, a bad filter) is answered in the JSON envelope, see `CsvNegotiationMixin`.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None) -> bytes:
        return EnvelopeRenderer().render(data, accepted_media_type, renderer_context)
