"""A user's authentication state, cached, so that an authenticated request needs no query for its user.

A snapshot of the user's row (active or not, `token_version`, and the fields the API reads) lives in
the cache (django-redis) under the user's public id for `AUTH_USER_CACHE_SECONDS`. `request.user` is
built from it with `password` and `last_login` deferred, so a save of that object can never write a
stale value over them.

Invalidation is the scheme of API keys (`accounts.api_keys`): every `User.save()` deletes the
snapshot before it writes and overwrites it with the saved row when the transaction commits, while
request-side fills use `cache.add`, which never overwrites. So a request that read the row before a
change cannot put the old state back, and a deactivation, a password change or logging out
everywhere refuses older tokens from the very next request, on every worker. Should the cache fail
during the change itself, the old snapshot ages out within `AUTH_USER_CACHE_SECONDS`: that is the
bound. When the cache is down, every request reads the database.
"""

import structlog
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = structlog.get_logger(__name__)

SNAPSHOT_FIELDS = (
    "id",
    "public_id",
    "email",
    "name",
    "is_active",
    "is_staff",
    "is_superuser",
    "created",
    "token_version",
)


def _cache_key(public_id: str) -> str:
    return f"auth-user:{public_id}"


def _user_model():
    from accounts.models import User  # accounts.models imports this module

    return User


def _snapshot(user) -> dict | None:
    """The cached fields of `user`, or None when one of them is not loaded (a deferred field)."""
    if set(SNAPSHOT_FIELDS) & user.get_deferred_fields():
        return None
    return {name: getattr(user, name) for name in SNAPSHOT_FIELDS}


def _from_snapshot(snapshot: dict):
    """A saved-looking User holding the snapshot's fields, the others (password, last_login) deferred."""
    user_model = _user_model()
    names = [field.attname for field in user_model._meta.concrete_fields if field.attname in snapshot]
    return user_model.from_db("default", names, [snapshot[name] for name in names])


def forget(public_id: str) -> None:
    """Drop the snapshot now (`User.save` calls it before writing)."""
    try:
        cache.delete(_cache_key(public_id))
    except Exception:  # noqa: BLE001 - logged; the entry then ages out within AUTH_USER_CACHE_SECONDS
        logger.error("auth_user_cache_forget_failed", user_id=public_id)


def refresh_on_commit(user) -> None:
    """Overwrite the snapshot with `user` as saved, once the surrounding transaction commits (at once outside one)."""
    snapshot = _snapshot(user)
    public_id = user.public_id

    def refresh() -> None:
        try:
            if snapshot is None:
                cache.delete(_cache_key(public_id))
            else:
                cache.set(_cache_key(public_id), snapshot, timeout=settings.AUTH_USER_CACHE_SECONDS)
        except Exception:  # noqa: BLE001 - logged; the entry then ages out within AUTH_USER_CACHE_SECONDS
            logger.error("auth_user_cache_refresh_failed", user_id=public_id)

    transaction.on_commit(refresh)


def remember(user) -> None:
    """Cache a user just read from the database, unless a snapshot is already there (`cache.add`)."""
    snapshot = _snapshot(user)
    if snapshot is None:
        return
    try:
        cache.add(_cache_key(user.public_id), snapshot, timeout=settings.AUTH_USER_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("auth_user_cache_unavailable")


def user_get(public_id: str):
    """The user with `public_id` (active or not), or None: from the cache, else one indexed query."""
    try:
        snapshot = cache.get(_cache_key(public_id))
    except Exception:  # noqa: BLE001 - a cache outage falls back to the database
        logger.warning("auth_user_cache_unavailable")
        snapshot = None
    if snapshot is not None:
        return _from_snapshot(snapshot)
    user = _user_model().objects.filter(public_id=public_id).only(*SNAPSHOT_FIELDS).first()
    if user is not None:
        remember(user)
    return user
