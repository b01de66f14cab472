"""Registration, tokens, logout and the current user."""

import structlog
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, BaseThrottle

from accounts import services
from accounts.serializers import (
    LogoutOutput,
    RefreshInput,
    RegisterInput,
    TokenObtainInput,
    TokenPairOutput,
    UserOutput,
)
from payments_platform.api.views import PlatformAPIView

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
    idempotent = False

    @extend_schema(operation_id="auth_logout", request=RefreshInput, responses={200: LogoutOutput}, tags=["auth"])
    def post(self, request):
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.token_revoke(refresh=data.validated_data["refresh"], user=request.user)
        return Response({"logged_out": True})


class MeView(PlatformAPIView):
    """The authenticated user."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me", responses={200: UserOutput}, tags=["auth"])
    def get(self, request):
        return Response(UserOutput(request.user).data)
