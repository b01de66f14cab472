"""Walk the URL configuration: every `/v1/` route, its name, basename, kwargs and methods."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

API_PREFIX = "v1/"
IGNORED_METHODS = frozenset({"options", "head", "trace"})
# Routes with a kwarg that is not a user's object: processors call them, authenticated by their
# signature (payments/tests/test_notifications.py covers them).
NOT_USER_OBJECTS = frozenset({"connector-notifications"})


@dataclass(frozen=True)
class Route:
    name: str
    basename: str
    kwargs: tuple[str, ...]
    methods: tuple[str, ...]
    pattern: str


def _methods(callback) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:
        return tuple(sorted(method for method in actions if method not in IGNORED_METHODS))
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:
        return ()
    names = getattr(view_class, "http_method_names", [])
    return tuple(sorted(m for m in names if m not in IGNORED_METHODS and hasattr(view_class, m)))


def _walk(patterns, prefix: str):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def api_routes() -> list[Route]:
    """Every named route under `/v1/`, in URL order."""
    routes = []
    for pattern, entry in _walk(get_resolver().url_patterns, ""):
        if not pattern.startswith(API_PREFIX) or not entry.name:
            continue
        initkwargs = getattr(entry.callback, "initkwargs", {}) or {}
        routes.append(
            Route(
                name=entry.name,
                basename=initkwargs.get("basename") or entry.name,
                kwargs=tuple(entry.pattern.regex.groupindex),
                methods=_methods(entry.callback),
                pattern=pattern,
            )
        )
    return routes


def object_routes() -> list[Route]:
    """Routes that address one object by id: detail routes and their actions."""
    return [route for route in api_routes() if route.kwargs and route.name not in NOT_USER_OBJECTS]


def list_routes() -> list[Route]:
    """Routes whose GET returns a page of objects (collections, and per-object sub-lists)."""
    return [route for route in api_routes() if "get" in route.methods and _returns_list(route)]


# GET-only actions on one object that answer one object, not a list.
SINGLE_OBJECT_ACTIONS = frozenset({"wallet-balance"})


def _returns_list(route: Route) -> bool:
    """`-list` routes, and GET-only actions on one object (`/wallets/{id}/transactions`), except
    those in `SINGLE_OBJECT_ACTIONS` (`/wallets/{id}/balance`)."""
    if route.name.endswith("-list"):
        return True
    if route.name in SINGLE_OBJECT_ACTIONS:
        return False
    return bool(route.kwargs) and not route.name.endswith("-detail") and route.methods == ("get",)
