"""The servers every process needs: PostgreSQL (the only database), Redis and NATS."""

import environ

from payments_platform.settings.environment import env

# --- Database ---------------------------------------------------------------------
# PostgreSQL is the only database. `make run`, `make test` and `payments_platform.devstack`
# start an embedded server and set DATABASE_URL (and REDIS_URL, NATS_URL) when it is unset;
# a process started some other way must be given the URLs (docs/foundation.md).

_UNSET_SERVICE = (
    "{name} is not set. Run through `make run` / `make test`, or `python -m payments_platform.devstack "
    "run -- COMMAND`, which start embedded servers and set it; or set {name} (see .env.example)."
)
if not env.str("DATABASE_URL", default=""):
    raise environ.ImproperlyConfigured(_UNSET_SERVICE.format(name="DATABASE_URL"))
DATABASES = {"default": env.db("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise environ.ImproperlyConfigured("DATABASE_URL must name a PostgreSQL server (postgres://...).")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {}).update(
    {
        "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=5),
        # Milliseconds; a runaway query fails instead of holding a worker forever.
        "options": f"-c statement_timeout={env.int('DATABASE_STATEMENT_TIMEOUT_MS', default=30000)}",
        # psycopg prepares a statement once it has run 5 times on a connection: the hot statements
        # sent through `payments_platform.db.prepared_cursor`, and with server_side_binding (below)
        # every ORM statement. Off (None) behind a transaction-pooling proxy that cannot keep
        # prepared statements (PgBouncer before 1.21).
        "prepare_threshold": 5 if env.bool("DATABASE_PREPARED_STATEMENTS", default=True) else None,
        # On: Django's cursors send the values apart from the text, so PostgreSQL parses and plans
        # a request's statements once per connection (about 5-10 % less CPU per transfer and per
        # payment: docs/performance.md). Batch lookups over large arrays, whose generic plan would
        # lose the hashed `= ANY`, go through `payments_platform.db.client_binding_cursor`.
        "server_side_binding": env.bool("DATABASE_SERVER_SIDE_BINDING", default=True),
    }
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------
# Redis (or Valkey) holds throttling and velocity counters, shared by every process.

REDIS_URL = env.str("REDIS_URL", default="")
if not REDIS_URL:
    raise environ.ImproperlyConfigured(_UNSET_SERVICE.format(name="REDIS_URL"))
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "pp",
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
        },
    }
}

NATS_URL = env.str("NATS_URL", default="")
