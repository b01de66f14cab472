"""Whether a server answers on a URL, and the check of the URLs that are set."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from payments_platform.devstack.base import (
    ENV_VARS,
    LABELS,
    PROBE_TIMEOUT_SECONDS,
    SERVICES,
    DevstackError,
    banner_matches,
)


def postgres_answers(url: str, timeout: float = PROBE_TIMEOUT_SECONDS) -> str | None:
    """None when a session opens on `url`, else why not."""
    import psycopg

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        return f"not a PostgreSQL URL (scheme {parts.scheme!r})"
    conninfo = urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))
    try:
        with psycopg.connect(conninfo, connect_timeout=max(1, int(timeout)), autocommit=True) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        message = str(error).strip()
        if getattr(error, "sqlstate", None) == "3D000" or "does not exist" in message:
            return None  # the server answers; its database is made by `migrate`'s caller or pytest-django
        return message.splitlines()[0] if message else type(error).__name__
    return None


def redis_answers(url: str) -> str | None:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS, socket_timeout=2)
        client.ping()
    except (redis.RedisError, ValueError) as error:
        return str(error) or type(error).__name__
    return None


def nats_answers(url: str) -> str | None:
    first = urlsplit(url.split(",")[0].strip())
    try:
        port = first.port or 4222
    except ValueError as error:
        return str(error)
    if not banner_matches(first.hostname or "127.0.0.1", port, b"", b"INFO"):
        return f"no NATS server answers on {first.hostname or '127.0.0.1'}:{port}"
    return None


CHECKS = {"postgres": postgres_answers, "valkey": redis_answers, "nats": nats_answers}


def redact(url: str) -> str:
    """`url` without its password, to print."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


def check_configured(environ: dict | None = None) -> dict[str, str]:
    """The URLs that are set, each checked: a server that does not answer is a DevstackError."""
    environ = os.environ if environ is None else environ
    configured, problems = {}, []
    for service in SERVICES:
        url = environ.get(ENV_VARS[service], "")
        if not url:
            continue
        why = CHECKS[service](url)
        if why:
            problems.append(
                f"{ENV_VARS[service]}={redact(url)} is set but does not answer: {why}. Start that server, "
                f"or unset {ENV_VARS[service]} to use an embedded {LABELS[service]}."
            )
        configured[service] = url
    if problems:
        raise DevstackError("\n".join(problems))
    return configured
