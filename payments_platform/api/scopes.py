"""The scopes of secret API keys, and how a view says which one it needs.

A key holds `*` or a list of `<resource>:read` / `<resource>:write`; `write` implies `read`.
A view declares `scope_resource` (GET/HEAD need `<resource>:read`, other methods
`<resource>:write`) and may override single actions in `action_scopes`. `ANY_KEY` lets
any valid key in (such as `/v1/me`); `None` refuses keys (key management, logout).
The authentication itself lives in `accounts` (`accounts.api_keys`); this module knows only
the vocabulary, so every app's views can declare what they need.
"""

from collections.abc import Iterable

from payments_platform.api.errors import ParameterInvalid, PermissionDenied

JWT_SCHEME = "bearerAuth"  # the OpenAPI security schemes' names
API_KEY_SCHEME = "apiKeyAuth"
ALL_SCOPES = "*"
ANY_KEY = ""  # a view's requirement: any valid API key, whatever its scopes
RESOURCES = ("wallets", "transfers", "payments", "payouts", "disputes", "webhooks")
SCOPES: tuple[str, ...] = (
    *(f"{resource}:{access}" for resource in RESOURCES for access in ("read", "write")),
    "events:read",
)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class InsufficientScope(PermissionDenied):
    code = "insufficient_scope"
    default_message = "This API key's scopes do not allow this request."


class ApiKeyNotAllowed(PermissionDenied):
    code = "api_key_not_allowed"
    default_message = "API keys cannot call this route: use a logged-in user's access token."


def scope_grants(granted: Iterable[str], required: str) -> bool:
    """Does a key holding `granted` pass `required`? (`*` passes everything; `x:write` passes `x:read`.)"""
    granted = set(granted)
    if required == ANY_KEY or ALL_SCOPES in granted or required in granted:
        return True
    resource, _, access = required.partition(":")
    return access == "read" and f"{resource}:write" in granted


def scopes_validate(value: object) -> list[str]:
    """A key's scopes as given by a client: `["*"]` or a non-empty list of known scopes, deduplicated.

    Raises `ParameterInvalid` (param `scopes`) for anything else.
    """
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise ParameterInvalid('scopes must be ["*"] or a non-empty list of scope names.', param="scopes")
    unknown = sorted({item for item in value if item != ALL_SCOPES and item not in SCOPES})
    if unknown:
        raise ParameterInvalid(
            f"Unknown scope(s): {', '.join(unknown)}. Known: *, {', '.join(SCOPES)}.", param="scopes"
        )
    if ALL_SCOPES in value:
        return [ALL_SCOPES]
    return sorted(set(value), key=SCOPES.index)


def required_scope_for(*, resource: str | None, method: str) -> str | None:
    """The scope a method on `resource` needs: `<resource>:read` for reads, `:write` otherwise."""
    if resource is None:
        return None
    if resource == ANY_KEY:
        return ANY_KEY
    return f"{resource}:{'read' if method.upper() in READ_METHODS else 'write'}"


def scope_check(*, granted: Iterable[str], required: str | None) -> None:
    """Raise 403 `api_key_not_allowed` (the route takes no key) or `insufficient_scope`."""
    if required is None:
        raise ApiKeyNotAllowed()
    if not scope_grants(granted, required):
        raise InsufficientScope(f"This API key lacks the {required} scope needed here.")
