"""Who may call: users and passwords, JWTs, login throttling, API keys, the admin's second factor."""

from datetime import timedelta

from payments_platform.settings.core import SECRET_KEY
from payments_platform.settings.environment import env

# --- Auth -------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # verifies hashes made before bcrypt, then upgrades them
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

# --- Admin second factor (accounts/second_factor.py; docs/operations.md#admin) -------
# Staff reach the admin only after a TOTP code (django-otp); sessions (the admin's only) end
# after ADMIN_SESSION_IDLE_SECONDS without a request.
# Its apps and middleware are in settings.core (INSTALLED_APPS, MIDDLEWARE).
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Payments Platform")
SESSION_COOKIE_AGE = env.int("ADMIN_SESSION_IDLE_SECONDS", default=900)
SESSION_SAVE_EVERY_REQUEST = True
