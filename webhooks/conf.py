"""The webhooks app's settings, each read from Django settings first, then the environment.

They live here rather than in `payments_platform/settings/` so the app stays
self-contained; a project may still set any of them in its settings module.
"""

import environ
from django.conf import settings

_env = environ.Env()


def _setting(name: str, cast, default):
    if hasattr(settings, name):
        return cast(getattr(settings, name))
    return _env.get_value(name, cast=cast, default=default)


def allow_private_urls() -> bool:
    """WEBHOOK_ALLOW_PRIVATE_URLS: accept http and private/loopback addresses (development and tests only)."""
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_URLS", False))


def timeout_seconds() -> float:
    """WEBHOOK_TIMEOUT_SECONDS (default 15): how long a receiver has to answer."""
    return _setting("WEBHOOK_TIMEOUT_SECONDS", float, 15.0)


def event_retention_days() -> int:
    """EVENT_RETENTION_DAYS (default 30, never less): how long `prune_events` keeps events."""
    return max(30, _setting("EVENT_RETENTION_DAYS", int, 30))


def nats_url() -> str:
    return getattr(settings, "NATS_URL", "") or ""


def nats_stream() -> str:
    """NATS_STREAM (default PAYMENTS): the JetStream stream the relay publishes to."""
    return _setting("NATS_STREAM", str, "PAYMENTS")


def nats_subject_prefix() -> str:
    """NATS_SUBJECT_PREFIX (default payments.events): subjects are `<prefix>.<event type>`."""
    return _setting("NATS_SUBJECT_PREFIX", str, "payments.events")


def nats_duplicate_window_seconds() -> int:
    """NATS_DUPLICATE_WINDOW_SECONDS (default 3600): how long JetStream remembers message ids."""
    return _setting("NATS_DUPLICATE_WINDOW_SECONDS", int, 3600)
