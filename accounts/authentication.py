"""Bearer authentication: secret API keys (`sk_live_…`) and JWT access tokens, both binding the
user to every log line of the request."""

import structlog
from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from accounts import user_cache
from accounts.api_keys import api_key_authenticate, looks_like_api_key
from payments_platform.api.scopes import API_KEY_SCHEME, JWT_SCHEME

TOKEN_VERSION_CLAIM = "ver"  # noqa: S105 - a claim name, not a secret


def token_version_of(token) -> int:
    """The user's `token_version` a token was issued at (0 for tokens from before versions existed)."""
    return token.get(TOKEN_VERSION_CLAIM, 0)


class BearerAuthentication(JWTAuthentication):
    """simplejwt's access-token check (HS256 only: `alg: none`, wrong keys, expired,
    not-yet-valid and refresh tokens are refused), then the user must exist, be active, and
    still be at the token's version (`ver`): a password change, a deactivation or logging out
    everywhere bumps it. The user comes from its cached snapshot (`accounts.user_cache`), so
    no query is made while that is warm."""

    def get_user(self, validated_token):
        try:
            public_id = validated_token[settings.SIMPLE_JWT["USER_ID_CLAIM"]]
        except KeyError:
            raise InvalidToken("Token contained no recognizable user identification") from None
        user = user_cache.user_get(str(public_id))
        if user is None:
            raise AuthenticationFailed("User not found", code="user_not_found")
        if not user.is_active:
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        if token_version_of(validated_token) != user.token_version:
            raise AuthenticationFailed("The token was revoked.", code="token_revoked")
        return user

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            structlog.contextvars.bind_contextvars(user_id=result[0].public_id)
        return result


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer sk_live_…`: a secret API key (`accounts.api_keys`).

    Any other bearer token is left to `BearerAuthentication` (returns None). A key that is
    unknown, revoked or expired is a 401; what the key may do is checked by the view's
    declared scope (`payments_platform.api.scopes`).
    """

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            return None
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            return None
        if not looks_like_api_key(token):
            return None
        user, key = api_key_authenticate(secret=token)
        structlog.contextvars.bind_contextvars(user_id=user.public_id, api_key_id=key.public_id)
        return user, key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class BearerAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerAuthentication"
    name = JWT_SCHEME

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "A 15-minute access token."}


class ApiKeySchemeExtension(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = API_KEY_SCHEME

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "sk_live_… API key",
            "description": (
                "A secret API key (`Authorization: Bearer sk_live_…`). Each operation lists the scope it "
                "needs in its security requirement and in `x-required-scope`; `write` implies `read`."
            ),
        }
