"""A JSON parser that rejects what Python's json module would let through."""

from typing import Any

import orjson
from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from payments_platform.api.errors import RequestTooLarge


def _depth(value: Any, limit: int) -> int:
    """The nesting depth of a JSON value, stopping once it passes `limit`."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return deepest


def _contains_nul(value: Any) -> bool:
    """True when any string or key holds U+0000, which PostgreSQL text cannot store."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class StrictJSONParser(BaseParser):
    """Parse a JSON object body with orjson (NaN, Infinity and lone surrogates are refused).

    The body must be a JSON object: a list, string or number at the top level is a 400,
    and so is nesting deeper than `settings.MAX_JSON_DEPTH`, and a NUL character in any
    string (PostgreSQL cannot store it; it would otherwise surface as a 500). A body longer than
    `DATA_UPLOAD_MAX_MEMORY_SIZE` is a 413, read no further than one byte past the limit
    (DRF reads the WSGI stream directly, so Django's own check on `request.body` never runs).
    """

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None) -> dict:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if stream is None:
            raw = b""
        elif limit is None:
            raw = stream.read()
        else:
            raw = stream.read(limit + 1)
            if len(raw) > limit:
                raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        if not raw.strip():
            return {}
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise ParseError(f"The request body is not valid JSON: {error}") from None
        if not isinstance(value, dict):
            raise ParseError("The request body must be a JSON object.")
        if _depth(value, settings.MAX_JSON_DEPTH) > settings.MAX_JSON_DEPTH:
            raise ParseError(f"The request body is nested deeper than {settings.MAX_JSON_DEPTH} levels.")
        if _contains_nul(value):
            raise ParseError("The request body contains a NUL character (\\u0000), which is not allowed.")
        return value
