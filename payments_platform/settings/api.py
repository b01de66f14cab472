"""The REST API: Django REST framework and the OpenAPI document (drf-spectacular)."""

from payments_platform.settings.environment import env

# --- REST framework and OpenAPI ---------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",  # only `Bearer sk_live_…`; anything else goes on to JWT
        "accounts.authentication.BearerAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["payments_platform.api.renderers.EnvelopeRenderer"],
    "DEFAULT_PARSER_CLASSES": ["payments_platform.api.parsers.StrictJSONParser"],
    "EXCEPTION_HANDLER": "payments_platform.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "payments_platform.api.schema.PlatformAutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "registration": env.str("REGISTRATION_RATE", default="20/hour"),
        "user": env.str("USER_RATE", default="6000/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Reverse proxies in front of the app; the client IP is taken from X-Forwarded-For
    # only when this is above 0, so a client cannot spoof it to dodge throttling.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Payments Platform API",
    "DESCRIPTION": (
        "Wallets, transfers, card payments, refunds, payouts, fraud screening and signed "
        "webhooks. Every response is wrapped in the envelope "
        "`{object, success, data, error, trace_id}`."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets are served from our own static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "payments_platform.api.schema.wrap_responses_in_envelope",
        "webhooks.contract.openapi_event_components",  # each event type's JSON Schema (settings.observability)
    ],
    # No global SECURITY: each operation lists its own schemes (payments_platform.api.schema).
}
