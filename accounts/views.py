"""Registration, tokens, logout and the current user."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

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


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class RegistrationThrottle(AnonRateThrottle):
    scope = "registration"


def _pair_response(pair: services.TokenPair) -> Response:
    return Response(
        TokenPairOutput(
            {"access": pair.access, "refresh": pair.refresh, "token_type": "Bearer", "expires_in": pair.expires_in}
        ).data
    )


class RegisterView(PlatformAPIView):
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
    authentication_classes: list = []
    permission_classes = [AllowAny]
    idempotent = False  # the response holds tokens, which are never stored

    @extend_schema(operation_id="auth_token", request=TokenObtainInput, responses={200: TokenPairOutput}, tags=["auth"])
    def post(self, request):
        data = TokenObtainInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _pair_response(services.token_obtain(**data.validated_data, ip=client_ip(request)))


class TokenRefreshView(PlatformAPIView):
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
    permission_classes = [IsAuthenticated]
    idempotent = False

    @extend_schema(operation_id="auth_logout", request=RefreshInput, responses={200: LogoutOutput}, tags=["auth"])
    def post(self, request):
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.token_revoke(refresh=data.validated_data["refresh"], user=request.user)
        return Response({"logged_out": True})


class MeView(PlatformAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me", responses={200: UserOutput}, tags=["auth"])
    def get(self, request):
        return Response(UserOutput(request.user).data)
