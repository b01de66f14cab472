"""Secret API keys: making a secret, hashing it, and finding its key on every request.

A secret is `sk_live_` + 40 characters of [A-Za-z0-9] from the OS's CSPRNG (about 238 bits).
Its first `LOOKUP_PREFIX_LENGTH` characters after `sk_live_` are the row's unique
`lookup_prefix`; the whole secret is checked against `secret_hash`, an HMAC-SHA256 keyed with
`API_KEY_HASH_KEY`, in constant time. The database never holds the secret.

Authenticating costs at most one indexed query, and none while the caches are warm: a hit (a
snapshot of the key's row, `API_KEY_CACHE_SECONDS`) takes the user from its own snapshot
(`accounts.user_cache`, refreshed by every save of the user); a miss loads the key and its user in
one join. Every change to a key (revoke, roll) overwrites its snapshot after
commit (and once before), so the very next request on any worker sees it; request-side fills use `cache.add`,
which never overwrites, so a request that read the row before the change cannot put the old
state back. When the cache is down, every request reads the database.
"""

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

import structlog
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions

from accounts import user_cache
from accounts.models import ApiKey, User
from payments_platform.api.ids import new_public_id

logger = structlog.get_logger(__name__)

SECRET_PREFIX = "sk_live_"  # noqa: S105 - the public prefix of every secret, not a secret
SECRET_RANDOM_LENGTH = 40
LOOKUP_PREFIX_LENGTH = 12
LAST_USED_RESOLUTION_SECONDS = 60


class ApiKeyInvalid(exceptions.AuthenticationFailed):
    """401 `api_key_invalid`: unknown, revoked or expired. A DRF exception, so DRF marks the request
    unauthenticated; the envelope handler reads `envelope_code` and the message."""

    envelope_code = "api_key_invalid"
    default_detail = "The API key is invalid, expired or revoked."


@dataclass(frozen=True)
class NewSecret:
    secret: str
    lookup_prefix: str
    secret_hash: str
    last4: str


@dataclass(frozen=True)
class AuthenticatedApiKey:
    """What `request.auth` holds for a request made with an API key (never the secret)."""

    pk: int
    public_id: str
    api_key_scopes: tuple[str, ...]


def secret_hash(secret: str) -> str:
    return hmac.new(settings.API_KEY_HASH_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()


def secret_new() -> NewSecret:
    random_part = new_public_id("x")[2:] + new_public_id("x")[2:]
    secret = SECRET_PREFIX + random_part[:SECRET_RANDOM_LENGTH]
    return NewSecret(
        secret=secret,
        lookup_prefix=lookup_prefix_of(secret),
        secret_hash=secret_hash(secret),
        last4=secret[-4:],
    )


def lookup_prefix_of(secret: str) -> str:
    return secret[len(SECRET_PREFIX) : len(SECRET_PREFIX) + LOOKUP_PREFIX_LENGTH]


def looks_like_api_key(token: str) -> bool:
    return token.startswith(SECRET_PREFIX)


def _cache_key(lookup_prefix: str) -> str:
    return f"api-key:{lookup_prefix}"


def _snapshot(key: ApiKey) -> dict:
    return {
        "pk": key.pk,
        "public_id": key.public_id,
        "user_id": key.user_id,
        "user_public_id": key.user.public_id,
        "secret_hash": key.secret_hash,
        "scopes": list(key.scopes),
        "expires_at": key.expires_at.timestamp() if key.expires_at else None,
        "revoked": key.revoked_at is not None,
    }


def cache_refresh(key: ApiKey) -> None:
    """Overwrite the key's cached snapshot with its new state, now and again when the transaction commits.

    Called by every service that changes a key, inside its transaction. Writing before the commit
    fails safe: requests during the commit already see the change; should the transaction roll
    back, the key is refused (never accepted) until the entry ages out. Writing after the commit
    overwrites whatever a request cached from the row as it was before. See the module docstring
    for why this is `set` and request-side fills are `add`.
    """
    snapshot = _snapshot(key)

    def refresh() -> None:
        try:
            cache.set(_cache_key(key.lookup_prefix), snapshot, timeout=settings.API_KEY_CACHE_SECONDS)
        except Exception:  # noqa: BLE001 - logged; the entry then ages out within API_KEY_CACHE_SECONDS
            logger.error("api_key_cache_refresh_failed", api_key_id=key.public_id)

    refresh()
    transaction.on_commit(refresh)


def _cached(lookup_prefix: str) -> dict | None:
    try:
        return cache.get(_cache_key(lookup_prefix))
    except Exception:  # noqa: BLE001 - a cache outage falls back to the database
        logger.warning("api_key_cache_unavailable")
        return None


def _cache_fill(key: ApiKey) -> None:
    try:
        cache.add(_cache_key(key.lookup_prefix), _snapshot(key), timeout=settings.API_KEY_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("api_key_cache_unavailable")


def _invalid() -> ApiKeyInvalid:
    return ApiKeyInvalid()


def api_key_authenticate(*, secret: str) -> tuple[User, AuthenticatedApiKey]:
    """The user and key of `secret`, or `ApiKeyInvalid` (unknown, revoked, expired, inactive user).

    Reads the key's row by its indexed lookup prefix unless it is cached; `last_used_at` is
    updated at most once a minute per key.
    """
    prefix = lookup_prefix_of(secret)
    if len(prefix) != LOOKUP_PREFIX_LENGTH or not prefix.isalnum():
        raise _invalid()
    snapshot = _cached(prefix)
    user: User | None = None
    if snapshot is None:
        key = ApiKey.objects.select_related("user").filter(lookup_prefix=prefix).first()
        if key is None:
            raise _invalid()
        snapshot = _snapshot(key)
        user = key.user
        _cache_fill(key)
        user_cache.remember(user)
    if not hmac.compare_digest(snapshot["secret_hash"], secret_hash(secret)):
        raise _invalid()
    now = timezone.now()
    if snapshot["revoked"] or (snapshot["expires_at"] is not None and snapshot["expires_at"] <= now.timestamp()):
        raise _invalid()
    if user is None and "user_public_id" in snapshot:
        user = user_cache.user_get(snapshot["user_public_id"])
    elif user is None:  # a snapshot cached before it named the user's public id
        user = User.objects.filter(pk=snapshot["user_id"]).first()
    if user is None or not user.is_active:
        raise _invalid()
    _last_used_record(snapshot["pk"], now)
    return user, AuthenticatedApiKey(
        pk=snapshot["pk"], public_id=snapshot["public_id"], api_key_scopes=tuple(snapshot["scopes"])
    )


def _last_used_record(pk: int, now: dt.datetime) -> None:
    """Set `last_used_at`, at most once a minute per key across every worker (a cache gate).

    Written after the request's transaction commits (or at once outside one), so no request
    holds the key's row lock while it runs.
    """
    try:
        first_this_minute = cache.add(f"api-key-used:{pk}", 1, timeout=LAST_USED_RESOLUTION_SECONDS)
    except Exception:  # noqa: BLE001 - without the cache, skip: last_used_at is informational
        return
    if first_this_minute:
        transaction.on_commit(lambda: ApiKey.objects.filter(pk=pk).update(last_used_at=now))
