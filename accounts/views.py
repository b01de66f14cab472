"""Registration, tokens, logout and the current user."""

import structlog
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, BaseThrottle

from accounts import selectors, services
from accounts.serializers import (
    ApiKeyCreateInput,
    ApiKeyDeletedOutput,
    ApiKeyOutput,
    ApiKeyRollInput,
    ApiKeyWithSecretOutput,
    LogoutOutput,
    RefreshInput,
    RegisterInput,
    TokenObtainInput,
    TokenPairOutput,
    UserOutput,
)
from payments_platform.api import scopes
from payments_platform.api.views import PlatformAPIView, PlatformViewSet, SecretShownOnceMixin
from payments_platform.middleware import request_id_of

logger = structlog.get_logger(__name__)


def client_ip(request) -> str | None:
    """The client's IP: REMOTE_ADDR, or X-Forwarded-For behind `NUM_PROXIES` trusted proxies."""
    return BaseThrottle().get_ident(request) or None


class RegistrationThrottle(AnonRateThrottle):
    """Registrations per client IP (`REGISTRATION_RATE`); a cache outage lets them through."""

    scope = "registration"

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # noqa: BLE001 - a cache outage must not turn sign-ups into 500s
            logger.warning("registration_throttle_unavailable")
            return True


def _pair_response(pair: services.TokenPair) -> Response:
    return Response(
        TokenPairOutput(
            {"access": pair.access, "refresh": pair.refresh, "token_type": "Bearer", "expires_in": pair.expires_in}
        ).data
    )


class RegisterView(PlatformAPIView):
    """Create an account: email (case-insensitive, unique), password (Django's validators), optional name."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [RegistrationThrottle]

    @extend_schema(operation_id="auth_register", request=RegisterInput, responses={201: UserOutput}, tags=["auth"])
    def post(self, request):
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return Response(UserOutput(user).data, status=201)


class TokenObtainView(PlatformAPIView):
    """Exchange email and password for an access/refresh JWT pair. Failed attempts are throttled per IP and email."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    idempotent = False  # the response holds tokens, which are never stored

    @extend_schema(operation_id="auth_token", request=TokenObtainInput, responses={200: TokenPairOutput}, tags=["auth"])
    def post(self, request):
        data = TokenObtainInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _pair_response(services.token_obtain(**data.validated_data, ip=client_ip(request)))


class TokenRefreshView(PlatformAPIView):
    """Rotate a refresh token: a new pair is issued and the old refresh token is revoked."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    idempotent = False

    @extend_schema(
        operation_id="auth_token_refresh", request=RefreshInput, responses={200: TokenPairOutput}, tags=["auth"]
    )
    def post(self, request):
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _pair_response(services.token_refresh(refresh=data.validated_data["refresh"]))


class LogoutView(PlatformAPIView):
    """Revoke a refresh token of the current user; its access tokens expire on their own."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_logout", request=RefreshInput, responses={200: LogoutOutput}, tags=["auth"])
    def post(self, request):
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.token_revoke(refresh=data.validated_data["refresh"], user=request.user)
        return Response({"logged_out": True})


class MeView(PlatformAPIView):
    """The authenticated user."""

    permission_classes = [IsAuthenticated]
    scope_resource = scopes.ANY_KEY

    @extend_schema(operation_id="me", responses={200: UserOutput}, tags=["auth"])
    def get(self, request):
        return Response(UserOutput(request.user).data)


class ApiKeyViewSet(SecretShownOnceMixin, PlatformViewSet):
    """Secret API keys for server-to-server calls. Managed with a logged-in user's access token only:
    an API key cannot list, mint, roll or revoke keys (403 api_key_not_allowed). A replay of a
    create or roll says `secret: null`."""

    serializer_class = ApiKeyOutput
    scope_resource = None  # keys are refused here

    @extend_schema(
        operation_id="api_keys_create",
        request=ApiKeyCreateInput,
        responses={201: ApiKeyWithSecretOutput},
        tags=["api_keys"],
        description=(
            "Create a secret API key. `secret` (sk_live_…) is in this response only; an idempotent replay "
            "says `secret: null`. Unknown scope: 400 parameter_invalid, param scopes."
        ),
    )
    def create(self, request):
        data = ApiKeyCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.api_key_create(
            user=request.user, request_id=request_id_of(request), ip=client_ip(request), **data.validated_data
        )
        return Response(ApiKeyWithSecretOutput(created.key, context={"secret": created.secret}).data, status=201)

    @extend_schema(operation_id="api_keys_list", responses={200: ApiKeyOutput(many=True)}, tags=["api_keys"])
    def list(self, request):
        return self.list_response(selectors.api_key_list(user=request.user))

    @extend_schema(operation_id="api_keys_retrieve", responses={200: ApiKeyOutput}, tags=["api_keys"])
    def retrieve(self, request, pk: str):
        return Response(ApiKeyOutput(selectors.api_key_get(user=request.user, public_id=pk)).data)

    @extend_schema(
        operation_id="api_keys_delete",
        responses={200: ApiKeyDeletedOutput},
        tags=["api_keys"],
        description="Revoke the key at once: the next request with it, on any server, is a 401.",
    )
    def destroy(self, request, pk: str):
        key = services.api_key_revoke(
            user=request.user, public_id=pk, request_id=request_id_of(request), ip=client_ip(request)
        )
        return Response(ApiKeyDeletedOutput({"id": key.public_id, "deleted": True}).data)

    @extend_schema(
        operation_id="api_keys_roll",
        request=ApiKeyRollInput,
        responses={201: ApiKeyWithSecretOutput},
        tags=["api_keys"],
        description=(
            "Replace the key by a new one (new id and secret; same name, scopes and expiry). The old secret "
            "stays valid for `expires_in_hours` (0 to 168; default 0: revoked now)."
        ),
    )
    @action(detail=True, methods=["post"])
    def roll(self, request, pk: str):
        data = ApiKeyRollInput(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.api_key_roll(
            user=request.user,
            public_id=pk,
            request_id=request_id_of(request),
            ip=client_ip(request),
            **data.validated_data,
        )
        return Response(ApiKeyWithSecretOutput(created.key, context={"secret": created.secret}).data, status=201)
