"""Failed-login throttling per client IP and per email, in the cache (Redis in production).

Fixed windows of `LOGIN_FAILURE_WINDOW_SECONDS`: after `LOGIN_FAILURE_LIMIT` failures from
one IP, or for one email, further attempts get 429 with `Retry-After` until the window
ends, whether or not the password is right. Emails are hashed in the key, so the cache
holds no addresses. If the cache is down, logins are not throttled (logged): an outage
of Redis must not lock every user out.
"""

import hashlib
import time

import structlog
from django.conf import settings
from django.core.cache import cache

from accounts.errors import LoginThrottled

logger = structlog.get_logger(__name__)


def _keys(*, ip: str | None, email: str) -> tuple[list[str], int]:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    now = time.time()
    bucket = int(now // window)
    retry_after = int(window - (now % window)) + 1
    email_digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    keys = [f"login-failures:email:{email_digest}:{bucket}"]
    if ip:
        keys.append(f"login-failures:ip:{ip}:{bucket}")
    return keys, retry_after


def login_throttle_check(*, ip: str | None, email: str) -> None:
    """Raise `LoginThrottled` when this IP or this email has failed too often."""
    keys, retry_after = _keys(ip=ip, email=email)
    try:
        counts = cache.get_many(keys)
    except Exception:  # noqa: BLE001 - a cache outage degrades to no throttling
        logger.warning("login_throttle_unavailable")
        return
    if any(int(count) >= settings.LOGIN_FAILURE_LIMIT for count in counts.values()):
        raise LoginThrottled(retry_after=retry_after)


def login_failure_record(*, ip: str | None, email: str) -> None:
    keys, _ = _keys(ip=ip, email=email)
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    try:
        for key in keys:
            cache.add(key, 0, timeout=window + 1)
            cache.incr(key)
    except Exception:  # noqa: BLE001
        logger.warning("login_throttle_unavailable")
