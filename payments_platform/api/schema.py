"""OpenAPI post-processing: document the envelope and the error object on every operation."""

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
    "401": "Missing, expired, tampered or revoked access token.",
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
    security_schemes["bearerAuth"] = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
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
            for status, description in errors.items():
                operation["responses"].setdefault(status, _error_response(description))
            if method == "post" and path not in _PUBLIC_PATHS:
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
