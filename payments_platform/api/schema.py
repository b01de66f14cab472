"""OpenAPI: the envelope and the error object on every operation, and each operation's security.

`PlatformAutoSchema` (the project's DEFAULT_SCHEMA_CLASS) lists each security scheme once per
operation, none on unauthenticated routes, and the scope an API key needs (in the API key
requirement and in `x-required-scope`); it never lets a viewset inherit the docstring of the
project's base classes as its description.
"""

import inspect

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_doc

from payments_platform.api.scopes import API_KEY_SCHEME, JWT_SCHEME

ENVELOPE_ERROR = {
    "type": "object",
    "required": ["type", "code", "message", "param"],
    "properties": {
        "type": {
            "type": "string",
            "enum": [
                "invalid_request_error",
                "authentication_error",
                "permission_error",
                "idempotency_error",
                "rate_limit_error",
                "card_error",
                "api_error",
            ],
        },
        "code": {"type": "string"},
        "message": {"type": "string"},
        "param": {"type": ["string", "null"]},
        "decline_code": {"type": "string"},
    },
}

_COMMON_ERRORS = {
    "400": "Invalid request: validation failed, bad JSON, or an idempotency key reused.",
    "401": "Missing, expired, tampered or revoked access token or API key.",
    "404": "No such object, or it belongs to another user.",
    "405": "Method not allowed on this path.",
    "409": "Conflict with the current state, or an idempotency key still in use.",
    "413": "The request body is larger than the limit (1 MiB by default).",
    "429": "Rate limited; see the Retry-After header.",
    "500": "Internal error; nothing was changed.",
}
_PUBLIC_PATHS = ("/v1/auth/register", "/v1/auth/token", "/v1/auth/token/refresh")
# Public, yet 401 is real: wrong credentials, or a refresh token that is invalid or revoked.
_PUBLIC_PATHS_WITH_401 = ("/v1/auth/token", "/v1/auth/token/refresh")
# POSTs whose answer is a fresh token pair: never stored, so never replayed (no Idempotency-Key).
_NOT_IDEMPOTENT_PATHS = ("/v1/auth/token", "/v1/auth/token/refresh")


def _success_envelope(data_schema: dict | None) -> dict:
    return {
        "type": "object",
        "required": ["object", "success", "data", "error", "trace_id"],
        "properties": {
            "object": {"type": "string", "enum": ["response"]},
            "success": {"type": "boolean", "enum": [True]},
            "data": data_schema if data_schema is not None else {"type": "null"},
            "error": {"type": "null"},
            "trace_id": {"type": "string"},
        },
    }


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
    }


def wrap_responses_in_envelope(result, generator, request, public):
    """drf-spectacular postprocessing hook: wrap every response in the envelope."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ENVELOPE_ERROR
    schemas["ErrorEnvelope"] = {
        "type": "object",
        "required": ["object", "success", "data", "error", "trace_id"],
        "properties": {
            "object": {"type": "string", "enum": ["response"]},
            "success": {"type": "boolean", "enum": [False]},
            "data": {"type": "null"},
            "error": {"$ref": "#/components/schemas/Error"},
            "trace_id": {"type": "string"},
        },
    }
    security_schemes = result["components"].setdefault("securitySchemes", {})
    security_schemes.setdefault(JWT_SCHEME, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, response in list(operation["responses"].items()):
                if status.startswith(("4", "5")):
                    if "content" not in response:
                        operation["responses"][status] = _error_response(response.get("description", ""))
                    continue
                content = response.get("content", {}).get("application/json")
                if content is None:
                    response["content"] = {"application/json": {"schema": _success_envelope(None)}}
                    continue
                content["schema"] = _success_envelope(content.get("schema"))
            errors = dict(_COMMON_ERRORS)
            if path in _PUBLIC_PATHS:
                operation["security"] = []
                if path not in _PUBLIC_PATHS_WITH_401:
                    errors.pop("401")
            if method != "post":
                errors.pop("409")
            if method not in ("post", "put", "patch"):
                errors.pop("413")
            if method == "get" and "{" not in path and "404" not in operation["responses"]:
                errors.pop("404", None)
            if "x-required-scope" in operation:
                errors["403"] = "An API key whose scopes do not include this operation's (insufficient_scope)."
            elif "Not callable with an API key" in operation.get("description", ""):
                errors["403"] = "An API key was used: this route takes a logged-in user's access token only."
            for status, description in errors.items():
                operation["responses"].setdefault(status, _error_response(description))
            if method == "post" and path not in _NOT_IDEMPOTENT_PATHS:
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "Idempotency-Key" for p in parameters):
                    parameters.append(
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "description": "Makes the POST safe to retry: same key, same body, one effect.",
                            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                        }
                    )
    return result


class PlatformAutoSchema(AutoSchema):
    def get_auth(self) -> list[dict]:
        if not self.view.get_authenticators():
            return []  # no authentication at all (/health, /ready, register, token)
        required = self._required_scope()
        auths: list[dict] = []
        for requirement in super().get_auth():
            if API_KEY_SCHEME in requirement:
                if required is None:
                    continue  # this route refuses API keys
                requirement = {API_KEY_SCHEME: [required] if required else []}
            if requirement not in auths:
                auths.append(requirement)
        return auths

    def _required_scope(self) -> str | None:
        scope_of = getattr(self.view, "required_scope_of", None)
        return scope_of(self.method) if scope_of is not None else None

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None or getattr(self.view, "required_scope_of", None) is None:
            return operation
        if not self.view.get_authenticators():
            return operation
        required = self._required_scope()
        if any(API_KEY_SCHEME in requirement for requirement in operation.get("security", [])):
            operation["x-required-scope"] = required or "any"
            note = f"API key scope: `{required}`." if required else "Any valid API key."
        else:
            note = "Not callable with an API key: log in and use an access token."
        description = operation.get("description", "")
        operation["description"] = f"{description}\n\n{note}" if description else note
        return operation

    def get_description(self) -> str:
        """The action's docstring, else the view class's own docstring, never one inherited from a
        base class (`PlatformViewSet` describes the plumbing, not the operation)."""
        action_or_method = getattr(self.view, getattr(self.view, "action", self.method.lower()), None)
        own_doc = type(self.view).__dict__.get("__doc__")
        return get_doc(action_or_method) or (inspect.cleandoc(own_doc) if own_doc else "")
