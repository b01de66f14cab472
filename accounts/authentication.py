"""Bearer JWT authentication that binds the user to every log line of the request."""

import structlog
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework_simplejwt.authentication import JWTAuthentication


class BearerAuthentication(JWTAuthentication):
    """simplejwt's access-token check (HS256 only: `alg: none`, wrong keys, expired,
    not-yet-valid and refresh tokens are refused), then the user must exist and be active."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            structlog.contextvars.bind_contextvars(user_id=result[0].public_id)
        return result


class BearerAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
