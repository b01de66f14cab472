"""The Django core: debug and secret key, hosts, apps, middleware, templates, static files, i18n, limits."""

import environ

from payments_platform.settings.environment import BASE_DIR, env

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
    # Admin second factor (accounts/second_factor.py; settings.auth, "Admin second factor")
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "payments_platform.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.second_factor.AdminSecondFactorMiddleware",
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
