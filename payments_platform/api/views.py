"""Base views every app's API builds on: idempotent POSTs and the envelope."""

from django.db import InterfaceError, OperationalError, transaction
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from payments_platform.api import idempotency
from payments_platform.api.errors import ParameterInvalid
from payments_platform.api.pagination import IdCursorPagination
from payments_platform.observability import metrics


class IdempotentMixin:
    """Make every authenticated POST honour the `Idempotency-Key` header.

    Views whose responses carry secrets that must not be stored (JWTs) set
    `idempotent = False`; anonymous requests are not keyed (no user to scope them to).
    Views that call the outside world set `idempotency_mode = "phased"`: the key is committed
    before the view runs and the view commits its own steps (`payments_platform.api.idempotency`).
    A viewset whose actions differ overrides `get_idempotency_mode(request)` (called before DRF
    sets `self.action`: read `self.action_map`, see `action_for`).
    """

    idempotent = True
    idempotency_mode = "transaction"  # or "phased"

    def _keyed(self, request) -> bool:
        return self.idempotent and request.method == "POST" and idempotency.HEADER in request.headers

    def get_idempotency_mode(self, request) -> str:
        """ "transaction" or "phased" for this request (default: the class's `idempotency_mode`)."""
        return self.idempotency_mode

    def action_for(self, request) -> str | None:
        """The viewset action `request` is routed to, usable before `initialize_request` sets `self.action`."""
        return getattr(self, "action_map", {}).get(request.method.lower())

    @property
    def claimed_idempotency_key_id(self) -> int | None:
        """The pk of the Idempotency-Key claim this request holds while the view runs (None unkeyed)."""
        claimed = getattr(self, "_claimed_key", None)
        return claimed.pk if claimed is not None else None

    def dispatch(self, request, *args, **kwargs):
        self._claimed_key = None
        if self._keyed(request) and self.get_idempotency_mode(request) == "transaction":
            try:
                with transaction.atomic():
                    return super().dispatch(request, *args, **kwargs)
            except (OperationalError, InterfaceError) as exc:
                # The database failed at BEGIN or COMMIT, outside DRF's handler: answer 503 in the
                # envelope (not a bare 500). Nothing was acknowledged; a retry with the key is safe.
                return self._database_unavailable(request, exc, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def _database_unavailable(self, request, exc, *args, **kwargs):
        self._claimed_key = None
        if not isinstance(request, Request):
            request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.format_kwarg = getattr(self, "format_kwarg", None)
        self.headers = self.default_response_headers
        response = self.handle_exception(exc)
        return self.finalize_response(request, response, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        for name, value in request.query_params.lists():
            if "\x00" in name or any("\x00" in item for item in value):
                # PostgreSQL text cannot hold NUL: refuse it here rather than as a 500 from a filter.
                raise ParameterInvalid("Query parameters must not contain NUL characters.", param=name.strip("\x00"))
        if self._keyed(request) and request.user.is_authenticated:
            key = idempotency.validate_key(request.headers[idempotency.HEADER])
            phased = self.get_idempotency_mode(request) == "phased"
            claim = idempotency.claim_phased if phased else idempotency.claim
            self._claimed_key = claim(
                user_id=request.user.pk,
                key=key,
                method=request.method,
                path=request.path,
                body=request.data,
            )

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.IdempotentReplay):
            metrics.idempotent_replay_counted()
            return Response(exc.body, status=exc.status, headers={idempotency.REPLAYED_HEADER: "true"})
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self._claimed_key is not None:
            idempotency.record(self._claimed_key, status=response.status_code, body=response.data)
            self._claimed_key = None
        return response


class PlatformAPIView(IdempotentMixin, APIView):
    """An APIView with idempotent POSTs."""


class PlatformViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """A GenericViewSet with idempotent POSTs and id-cursor pagination."""

    pagination_class = IdCursorPagination
    lookup_value_regex = "[A-Za-z0-9_]+"

    def list_response(self, queryset, serializer_class=None):
        """Paginate `queryset` and serialize one page with `serializer_class`."""
        serializer_class = serializer_class or self.get_serializer_class()
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(page, many=True).data)
