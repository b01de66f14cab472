"""Cursor pagination by object id, newest first, as Stripe lists do.

`starting_after=<id>` returns the objects older than that one; `ending_before=<id>`
the ones newer. Order is the primary key, descending: ids are assigned in insertion
order, so no two rows tie and no row is skipped or repeated between pages.
"""

import re

from django.db.models import QuerySet
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from payments_platform.api.errors import ParameterInvalid

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
_OBJECT_ID = re.compile(r"[A-Za-z0-9_]{1,64}")


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise ParameterInvalid("limit must be an integer between 1 and 100.", param="limit") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise ParameterInvalid("limit must be an integer between 1 and 100.", param="limit")
    return limit


def _cursor_pk(queryset: QuerySet, public_id: str, param: str) -> int:
    if not _OBJECT_ID.fullmatch(public_id):
        raise ParameterInvalid(f"{param} must be an object id.", param=param)
    pk = queryset.filter(public_id=public_id).values_list("pk", flat=True).first()
    if pk is None:
        raise ParameterInvalid(f"No such object: {public_id!r}.", param=param)
    return pk


class IdCursorPagination(BasePagination):
    """The `{object: "list", data, has_more, url}` page of a queryset with a `public_id`."""

    def paginate_queryset(self, queryset, request, view=None):
        params = request.query_params
        limit = _limit(params.get("limit"))
        starting_after = params.get("starting_after")
        ending_before = params.get("ending_before")
        if starting_after and ending_before:
            raise ParameterInvalid("Pass starting_after or ending_before, not both.", param="ending_before")
        base = queryset.order_by()
        if ending_before:
            pk = _cursor_pk(base, ending_before, "ending_before")
            rows = list(base.filter(pk__gt=pk).order_by("pk")[: limit + 1])
            self.has_more = len(rows) > limit
            rows = rows[:limit]
            rows.reverse()
        else:
            page = base.order_by("-pk")
            if starting_after:
                page = page.filter(pk__lt=_cursor_pk(base, starting_after, "starting_after"))
            rows = list(page[: limit + 1])
            self.has_more = len(rows) > limit
            rows = rows[:limit]
        self.url = request.path
        return rows

    def get_paginated_response(self, data):
        return Response({"object": "list", "data": data, "has_more": self.has_more, "url": self.url})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["object", "data", "has_more", "url"],
            "properties": {
                "object": {"type": "string", "enum": ["list"]},
                "data": schema,
                "has_more": {"type": "boolean"},
                "url": {"type": "string", "example": "/v1/objects"},
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "limit",
                "required": False,
                "in": "query",
                "description": "How many objects to return, 1 to 100 (default 10).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            },
            {
                "name": "starting_after",
                "required": False,
                "in": "query",
                "description": "An object id: return the objects created before it.",
                "schema": {"type": "string"},
            },
            {
                "name": "ending_before",
                "required": False,
                "in": "query",
                "description": "An object id: return the objects created after it.",
                "schema": {"type": "string"},
            },
        ]
