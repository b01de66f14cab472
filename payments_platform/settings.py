"""Settings for the payments platform: one module, configured from the environment.

Every variable is read with django-environ from the process environment or a `.env`
file next to `manage.py`. `.env.example` lists them all with safe development values.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)
_DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not SECRET_KEY or (not DEBUG and SECRET_KEY == _DEVELOPMENT_SECRET_KEY):
    raise environ.ImproperlyConfigured(
        "SECRET_KEY must be set to a real secret when DEBUG is off "
        "(see .env.example; generate one with `python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
PORT = env.int("PORT", default=8000)

INSTALLED_APPS = [
    "backoffice",  # issue 15: first, so its admin templates (overview index, base_site) override the stock ones
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "payments_platform",
    "accounts",
    "ledger",
    "webhooks",
    "fraud",
    "wallets",
    "payments",
    "rangefilter",  # issue 15: date-range filters on the admin lists
]

MIDDLEWARE = [
    "payments_platform.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "payments_platform.urls"
WSGI_APPLICATION = "payments_platform.wsgi.application"
ASGI_APPLICATION = "payments_platform.asgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

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
        # Django's cursors bind client side and are never prepared; this only reaches the
        # hot statements sent through `payments_platform.db.prepared_cursor`, which psycopg
        # prepares after 5 runs on a connection. Off (None) behind a transaction-pooling
        # proxy that cannot keep prepared statements (PgBouncer before 1.21).
        "prepare_threshold": 5 if env.bool("DATABASE_PREPARED_STATEMENTS", default=True) else None,
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

# --- Auth -------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default=SECRET_KEY)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "public_id",
    "USER_ID_CLAIM": "sub",
    "LEEWAY": 0,
}

# Failed logins allowed per window, per client IP and per email, before 429.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=300)

# API keys (issue 18, docs/integration.md): secrets are stored as HMAC-SHA256(API_KEY_HASH_KEY, secret);
# a key's row is cached this many seconds (revocation overwrites the cache entry at once).
API_KEY_HASH_KEY = env.str("API_KEY_HASH_KEY", default="") or f"api-key-hash:{SECRET_KEY}"
API_KEY_CACHE_SECONDS = env.int("API_KEY_CACHE_SECONDS", default=30)
# A user's cached authentication state (accounts.user_cache): every save of the user overwrites it on
# commit; this bounds a stale entry only when the cache fails during that change.
AUTH_USER_CACHE_SECONDS = env.int("AUTH_USER_CACHE_SECONDS", default=60)

# --- REST framework and OpenAPI ---------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",  # only `Bearer sk_live_…`; anything else goes on to JWT
        "accounts.authentication.BearerAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["payments_platform.api.renderers.EnvelopeRenderer"],
    "DEFAULT_PARSER_CLASSES": ["payments_platform.api.parsers.StrictJSONParser"],
    "EXCEPTION_HANDLER": "payments_platform.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "payments_platform.api.schema.PlatformAutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "registration": env.str("REGISTRATION_RATE", default="20/hour"),
        "user": env.str("USER_RATE", default="6000/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Reverse proxies in front of the app; the client IP is taken from X-Forwarded-For
    # only when this is above 0, so a client cannot spoof it to dodge throttling.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Payments Platform API",
    "DESCRIPTION": (
        "Wallets, transfers, card payments, refunds, payouts, fraud screening and signed "
        "webhooks. Every response is wrapped in the envelope "
        "`{object, success, data, error, trace_id}`."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets are served from our own static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "payments_platform.api.schema.wrap_responses_in_envelope",
    ],
    # No global SECURITY: each operation lists its own schemes (payments_platform.api.schema).
}

# --- Money ------------------------------------------------------------------------

SUPPORTED_CURRENCIES = env.list("SUPPORTED_CURRENCIES", default=["usd", "eur", "gbp", "jpy"])
PLATFORM_FEE_PERCENT = env.str("PLATFORM_FEE_PERCENT", default="2.9")
PLATFORM_FEE_FIXED = env.int("PLATFORM_FEE_FIXED", default=30)
MAX_AMOUNT = 99_999_999_999
# What a refund does with the platform fee (issue 17, docs/payments.md "Refunds and the fee"):
# "return" gives back the refund's share of it (so a full refund always fits in the wallet),
# "retain" keeps it, as Stripe does.
REFUND_FEE_POLICY = env.str("REFUND_FEE_POLICY", default="return")
if REFUND_FEE_POLICY not in ("return", "retain"):
    raise environ.ImproperlyConfigured(f"REFUND_FEE_POLICY must be return or retain, not {REFUND_FEE_POLICY!r}.")
# Seconds after its creation when a pending payout is due at the (simulated) bank.
PAYOUT_DELAY_SECONDS = env.int("PAYOUT_DELAY_SECONDS", default=86400)

# --- Webhooks ---------------------------------------------------------------------

WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=15.0)
# Seals webhook signing secrets at rest; empty means SECRET_KEY. Set it, so that rotating
# SECRET_KEY keeps the stored webhook secrets readable.
WEBHOOK_SECRETS_KEY = env.str("WEBHOOK_SECRETS_KEY", default="")
EVENT_RETENTION_DAYS = env.int("EVENT_RETENTION_DAYS", default=30)
NATS_STREAM = env.str("NATS_STREAM", default="PAYMENTS")
NATS_SUBJECT_PREFIX = env.str("NATS_SUBJECT_PREFIX", default="payments.events")

# --- Fraud ------------------------------------------------------------------------
# The checks every assessment runs, in order (dotted paths to `check(context, signals)`);
# a deployment appends its own. The default list is `fraud.conf.DEFAULT_CHECKS`; its
# `fraud.checks.test_cards` recognises the simulator's test cards: drop it in production.
# Other fraud settings and their defaults: fraud/conf.py.
if env.str("FRAUD_CHECKS", default=""):  # unset: fraud.conf.DEFAULT_CHECKS
    FRAUD_CHECKS = env.list("FRAUD_CHECKS")
FRAUD_REDIS_URL = env.str("FRAUD_REDIS_URL", default=REDIS_URL)
FRAUD_RULES_CACHE_SECONDS = env.float("FRAUD_RULES_CACHE_SECONDS", default=5.0)
FRAUD_MODEL_CACHE_SECONDS = env.float("FRAUD_MODEL_CACHE_SECONDS", default=30.0)

# --- Payments ---------------------------------------------------------------------
# Card fingerprints are HMAC-SHA256(CARD_FINGERPRINT_KEY, PAN): equal for equal numbers,
# useless without the key. Connectors, routing and the circuit breaker: docs/payments.md.

CARD_FINGERPRINT_KEY = env.str("CARD_FINGERPRINT_KEY", default="") or f"card-fingerprint:{SECRET_KEY}"
# 3-D Secure (issue 17, docs/payments.md "3-D Secure"): the simulator's hosted page is served at
# THREE_D_SECURE_BASE_URL/simulator/3ds/…; its tokens are HMACs with THREE_D_SECURE_KEY (empty: SECRET_KEY).
THREE_D_SECURE_BASE_URL = env.str("THREE_D_SECURE_BASE_URL", default=f"http://localhost:{PORT}")
THREE_D_SECURE_KEY = env.str("THREE_D_SECURE_KEY", default="")
PAYMENT_SIMULATOR_LATENCY_MS = env.int("PAYMENT_SIMULATOR_LATENCY_MS", default=0)
# Every connector call is bounded by its "timeout_seconds" option (default 10 s, well under
# GUNICORN_TIMEOUT): past it the outcome is unknown and the payment waits for retrieve/sync.
PAYMENT_CONNECTOR_TIMEOUT_SECONDS = env.float("PAYMENT_CONNECTOR_TIMEOUT_SECONDS", default=10.0)
PAYMENT_CONNECTORS = {
    "simulator_a": {
        "class": "payments.connectors.simulator.SimulatorConnector",
        # The contract's 4000000000000119 fails with a processing error here only, so routing fails over.
        "options": {
            "latency_ms": PAYMENT_SIMULATOR_LATENCY_MS,
            "technical_failures": ["processing_error"],
            "timeout_seconds": PAYMENT_CONNECTOR_TIMEOUT_SECONDS,
        },
    },
    "simulator_b": {
        "class": "payments.connectors.simulator.SimulatorConnector",
        "options": {
            "latency_ms": PAYMENT_SIMULATOR_LATENCY_MS,
            "technical_failures": [],
            "timeout_seconds": PAYMENT_CONNECTOR_TIMEOUT_SECONDS,
        },
    },
}
# Per currency ("*" for any other), the connectors in the order to try; optional rules per entry:
# "brands" (card brands), "min_amount" / "max_amount" (minor units, inclusive).
PAYMENT_ROUTING = {"*": [{"connector": "simulator_a"}, {"connector": "simulator_b"}]}
PAYMENT_CIRCUIT_BREAKER_THRESHOLD = env.int("PAYMENT_CIRCUIT_BREAKER_THRESHOLD", default=5)
PAYMENT_CIRCUIT_BREAKER_COOL_OFF_SECONDS = env.int("PAYMENT_CIRCUIT_BREAKER_COOL_OFF_SECONDS", default=30)
PAYMENT_INTENT_CAPTURE_WINDOW_DAYS = 7

# --- Disputes (docs/disputes.md) --------------------------------------------------
# DISPUTE_FEE (minor units) is withdrawn with a disputed amount. Connectors sign the notifications
# they send to /v1/connectors/<name>/notifications (Standard Webhooks) with their secret here,
# "name=whsec_…,name2=whsec_…"; one not listed gets a secret derived from SECRET_KEY (development).
# The simulated processor sends its notifications to CONNECTOR_NOTIFICATION_BASE_URL, due
# PROCESSOR_NOTIFICATION_DELAY_SECONDS after their cause (send_processor_notifications).
DISPUTE_FEE = env.int("DISPUTE_FEE", default=1500)
DISPUTE_EVIDENCE_DAYS = env.int("DISPUTE_EVIDENCE_DAYS", default=7)
CONNECTOR_NOTIFICATION_SECRETS = env.dict("CONNECTOR_NOTIFICATION_SECRETS", default={})
CONNECTOR_NOTIFICATION_BASE_URL = env.str("CONNECTOR_NOTIFICATION_BASE_URL", default=f"http://127.0.0.1:{PORT}")
PROCESSOR_NOTIFICATION_DELAY_SECONDS = env.float("PROCESSOR_NOTIFICATION_DELAY_SECONDS", default=2.0)
# --- Scheduler (manage.py run_scheduler; docs/operations.md#scheduler) ---------------
# Every periodic job, keyed by the management command it runs: "every" N seconds, or a
# "cron" line (UTC); "args" for the command; "alert": a failure also writes an audit log
# entry (`scheduler.job_failed`) for operators. A job whose command is not installed is
# skipped with a warning. Adding a job is one line.
SCHEDULER_JOBS = {
    "process_payouts": {"every": env.int("SCHEDULE_PROCESS_PAYOUTS_SECONDS", default=30)},
    "expire_payment_intents": {"every": env.int("SCHEDULE_EXPIRE_PAYMENT_INTENTS_SECONDS", default=3600)},
    "sync_payment_attempts": {"every": env.int("SCHEDULE_SYNC_PAYMENT_ATTEMPTS_SECONDS", default=300)},
    "send_processor_notifications": {
        "every": env.int("SCHEDULE_SEND_PROCESSOR_NOTIFICATIONS_SECONDS", default=5),
        "args": ["--once"],
    },
    "prune_events": {"every": env.int("SCHEDULE_PRUNE_EVENTS_SECONDS", default=86400)},
    "prune_idempotency_keys": {"every": env.int("SCHEDULE_PRUNE_IDEMPOTENCY_KEYS_SECONDS", default=3600)},
    "prune_job_runs": {"every": env.int("SCHEDULE_PRUNE_JOB_RUNS_SECONDS", default=86400)},
    "reconcile_ledger": {"cron": env.str("SCHEDULE_RECONCILE_LEDGER_CRON", default="30 2 * * *"), "alert": True},
}
# A follower retries the leader lock this often; the leader checks its lock connection this often.
SCHEDULER_LEADER_RETRY_SECONDS = env.float("SCHEDULER_LEADER_RETRY_SECONDS", default=5.0)
SCHEDULER_LOCK_CHECK_SECONDS = env.float("SCHEDULER_LOCK_CHECK_SECONDS", default=5.0)
SCHEDULER_JOB_RUN_RETENTION_DAYS = env.int("SCHEDULER_JOB_RUN_RETENTION_DAYS", default=30)
# Where a failed "alert" job is recorded (an operator-visible event); called with audit-log keywords.
SCHEDULER_ALERT_RECORDER = "accounts.services.audit_log_record"

# --- Admin second factor (accounts/second_factor.py; docs/operations.md#admin) -------
# Staff reach the admin only after a TOTP code (django-otp); sessions (the admin's only) end
# after ADMIN_SESSION_IDLE_SECONDS without a request.
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1, "accounts.second_factor.AdminSecondFactorMiddleware"
)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Payments Platform")
SESSION_COOKIE_AGE = env.int("ADMIN_SESSION_IDLE_SECONDS", default=900)
SESSION_SAVE_EVERY_REQUEST = True

# --- Static files -----------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Internationalisation ---------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# issue 15: admin dates as 2026-12-01 09:30:00 UTC (payments_platform/formats/en/formats.py)
FORMAT_MODULE_PATH = ["payments_platform.formats"]

# --- Limits -----------------------------------------------------------------------

DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BODY_BYTES", default=1024 * 1024)
MAX_JSON_DEPTH = 20
# Phased idempotency (views that call a card connector): a key left "in progress" by a
# crashed request may be taken over by a retry after this many seconds.
IDEMPOTENCY_STALE_SECONDS = env.int("IDEMPOTENCY_STALE_SECONDS", default=60)

# --- Security ---------------------------------------------------------------------
# HTTPS_ONLY defaults to on whenever DEBUG is off; HTTPS_ONLY=false serves plain HTTP
# with DEBUG off (local runs and tests).

HTTPS_ONLY = env.bool("HTTPS_ONLY", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^ready$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Observability (issue 20; docs/observability.md) ------------------------------
# GET /metrics answers only with `Authorization: Bearer $METRICS_TOKEN`; unset, it is a 404.
# METRICS_ENABLED=false makes every metric helper a no-op (the instrumentation-cost baseline).
# OTEL_EXPORTER_OTLP_ENDPOINT set: OpenTelemetry traces (payments_platform.observability.tracing).

METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
OTEL_EXPORTER_OTLP_ENDPOINT = env.str("OTEL_EXPORTER_OTLP_ENDPOINT", default="")
OTEL_SERVICE_NAME = env.str("OTEL_SERVICE_NAME", default="payments-platform")
# The event contract (webhooks.contract): each event type's JSON Schema, also in the OpenAPI document.
# EVENT_SCHEMA_CHECK (on in the test suite) validates every event the code records against it.
EVENT_SCHEMA_CHECK = env.bool("EVENT_SCHEMA_CHECK", default=False)
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"].append("webhooks.contract.openapi_event_components")

# --- Logging ----------------------------------------------------------------------

LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING_CONFIG = None

from payments_platform.logging import configure_logging  # noqa: E402

configure_logging(log_format=LOG_FORMAT, level=LOG_LEVEL)
