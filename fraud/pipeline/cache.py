"""A per-process cache whose time to live is a setting: a cachetools `TTLCache` behind a lock.

The rules (FRAUD_RULES_CACHE_SECONDS) and the active risk model (FRAUD_MODEL_CACHE_SECONDS)
are kept this way. The setting is read on every use, so a changed value (tests set 0) takes
effect at once: the cache starts afresh with the new time to live.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from cachetools import TTLCache


class SettingTTLCache:
    """Values kept for `ttl_seconds()` seconds each; `get_or_load` loads outside the lock."""

    def __init__(self, ttl_seconds: Callable[[], float], *, maxsize: int = 1):
        self._ttl_seconds = ttl_seconds
        self._maxsize = maxsize
        self._lock = threading.Lock()
        self._cache: TTLCache | None = None

    def _current(self) -> TTLCache:
        ttl = self._ttl_seconds()
        if self._cache is None or self._cache.ttl != ttl:
            self._cache = TTLCache(maxsize=self._maxsize, ttl=ttl)
        return self._cache

    def get_or_load(self, key: str, load: Callable[[], Any]) -> Any:
        with self._lock:
            cached = self._current().get(key)
        if cached is not None:
            return cached
        value = load()
        with self._lock:
            self._current()[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            if self._cache is not None:
                self._cache.clear()
