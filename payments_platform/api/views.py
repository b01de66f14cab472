"""Base views every app's API builds on: idempotent POSTs and the envelope."""

from django.db import InterfaceError, OperationalError, transaction
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from payments_platform.api import idempotency, scopes
from payments_platform.api.errors import ParameterInvalid
from payments_platform.api.pagination import IdCursorPagination
from payments_platform.api.renderers import EnvelopeRenderer
from payments_platform.observability import metrics


class IdempotentMixin:
    """Make every authenticated POST honour the `Idempotency-Key` header.

    Views whose responses carry secrets that must not be stored (JWTs) set
    `idempotent = False`. An unauthenticated POST (registration) is keyed by the key alone.
    Views that call the outside world set `idempotency_mode = "phased"`: the key is committed
    before the view runs and the view commits its own steps (`payments_platform.api.idempotency`).
    A viewset whose actions differ overrides `get_idempotency_mode(request)` (called before DRF
    sets `self.action`: read `self.action_map`, see `action_for`).
    """

    idempotent = True
    idempotency_mode = "transaction"  # or "phased"
    # What an API key needs here (`payments_platform.api.scopes`): `scope_resource = "wallets"` means
    # GET needs wallets:read and other methods wallets:write; `action_scopes` overrides single actions
    # (a scope, `scopes.ANY_KEY`, or None). A view that declares nothing refuses API keys (403).
    scope_resource: str | None = None
    action_scopes: dict[str, str | None] = {}

    def _keyed(self, request) -> bool:
        return self.idempotent and request.method == "POST" and idempotency.HEADER in request.headers

    def get_idempotency_mode(self, request) -> str:
        """ "transaction" or "phased" for this request (default: the class's `idempotency_mode`)."""
        return self.idempotency_mode

    def required_scope_of(self, method: str) -> str | None:
        """The scope an API key needs for `method` on this view (its current `action`, for viewsets)."""
        action = getattr(self, "action", None) or method.lower()
        if action in self.action_scopes:
            return self.action_scopes[action]
        return scopes.required_scope_for(resource=self.scope_resource, method=method)

    def check_permissions(self, request):
        """The view's permission classes, then, for a request made with an API key, the key's scopes."""
        super().check_permissions(request)
        granted = getattr(request.auth, "api_key_scopes", None)
        if granted is not None:
            scopes.scope_check(granted=granted, required=self.required_scope_of(request.method))

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
        if self._keyed(request):
            key = idempotency.validate_key(request.headers[idempotency.HEADER])
            phased = self.get_idempotency_mode(request) == "phased"
            claim = idempotency.claim_phased if phased else idempotency.claim
            self._claimed_key = claim(
                user_id=request.user.pk if request.user.is_authenticated else None,
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


class SecretShownOnceMixin:
    """For viewsets whose create (or roll) response carries a `secret` that exists in plain text only
    in that one response (API keys, webhook endpoints): the idempotency record stores the response
    with `secret: null`, so a replay says `secret: null`, while this response keeps the secret.
    Put it before `PlatformViewSet` in the bases, so it wraps the storing `finalize_response`."""

    def finalize_response(self, request, response, *args, **kwargs):
        secret = None
        if isinstance(getattr(response, "data", None), dict) and response.data.get("secret"):
            secret = response.data["secret"]
            response.data = {**response.data, "secret": None}
        response = super().finalize_response(request, response, *args, **kwargs)
        if secret is not None:
            response.data = {**response.data, "secret": secret}
        return response


class CsvNegotiationMixin:
    """For viewsets with actions that stream `text/csv`: whatever is not a stream (an error) is answered
    as JSON in the envelope, never as a 406 nor as a CSV body."""

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        if isinstance(response, Response) and renderer is not None and renderer.media_type == "text/csv":
            request.accepted_renderer = EnvelopeRenderer()
            request.accepted_media_type = EnvelopeRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
