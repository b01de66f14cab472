"""The fraud app's settings, each read from Django settings with a default.

Every value has a default here that a project may override in its settings module;
`payments_platform/settings.py` reads `FRAUD_CHECKS` (when set) and `FRAUD_REDIS_URL` from the
environment.
"""

from django.conf import settings

# The built-in checks. Their former paths (`fraud.checks.lists`, ...) still resolve:
# `fraud/checks.py` names them for FRAUD_CHECKS values written before the pipeline moved.
DEFAULT_CHECKS = [
    "fraud.pipeline.checks.lists",
    "fraud.pipeline.checks.velocity",
    "fraud.pipeline.checks.amount_anomaly",
    "fraud.pipeline.checks.new_account_large_amount",
    "fraud.pipeline.checks.card_ip_country_mismatch",
    "fraud.pipeline.checks.distinct_cards",
    "fraud.pipeline.checks.repeated_declines",
    "fraud.sandbox.simulator_cards.test_cards",  # sandbox only: leave it out in production
    "fraud.pipeline.checks.ml_score",
]

# US cents per minor unit of each currency (1 yen = 0.67 US cents). A currency missing
# here has no `amount_usd`, and the assessment says so in `signals["missing"]`.
DEFAULT_USD_RATES = {
    "usd": 1.0,
    "eur": 1.08,
    "gbp": 1.27,
    "jpy": 0.67,
    "cad": 0.73,
    "aud": 0.66,
    "chf": 1.13,
}

# A deliberately small IP-to-country table: the documentation ranges (RFC 5737 and
# RFC 3849) stand for countries so that tests and the simulator have stable geography.
# A deployment replaces it with a real GeoIP table in FRAUD_IP_COUNTRIES.
DEFAULT_IP_COUNTRIES = [
    ("192.0.2.0/24", "us"),
    ("198.51.100.0/24", "gb"),
    ("203.0.113.0/24", "ng"),
    ("100.64.0.0/16", "us"),
    ("100.65.0.0/16", "gb"),
    ("100.66.0.0/16", "de"),
    ("100.67.0.0/16", "fr"),
    ("100.68.0.0/16", "br"),
    ("100.69.0.0/16", "ng"),
    ("100.70.0.0/16", "ru"),
    ("100.71.0.0/16", "vn"),
    ("2001:db8:1::/48", "us"),
    ("2001:db8:2::/48", "gb"),
]

DEFAULT_DISPOSABLE_EMAIL_DOMAINS = [
    "mailinator.com",
    "guerrillamail.com",
    "10minutemail.com",
    "tempmail.com",
    "trashmail.com",
    "yopmail.com",
]


def _get(name: str, default):
    return getattr(settings, name, default)


def checks() -> list[str]:
    """FRAUD_CHECKS: dotted paths of the check functions, run in this order."""
    return list(_get("FRAUD_CHECKS", DEFAULT_CHECKS))


def redis_url() -> str:
    """FRAUD_REDIS_URL (default REDIS_URL): where velocity counters live; empty means none."""
    return _get("FRAUD_REDIS_URL", None) or _get("REDIS_URL", "") or ""


def redis_timeout_seconds() -> float:
    """FRAUD_REDIS_TIMEOUT_SECONDS (default 0.1): connect and read timeout of the velocity client."""
    return float(_get("FRAUD_REDIS_TIMEOUT_SECONDS", 0.1))


def redis_retry_after_seconds() -> float:
    """FRAUD_REDIS_RETRY_AFTER_SECONDS (default 5): after a Redis failure, skip Redis this long."""
    return float(_get("FRAUD_REDIS_RETRY_AFTER_SECONDS", 5.0))


def elevated_risk_score() -> int:
    """FRAUD_ELEVATED_RISK_SCORE (default 65): risk_level is `elevated` from this score."""
    return int(_get("FRAUD_ELEVATED_RISK_SCORE", 65))


def highest_risk_score() -> int:
    """FRAUD_HIGHEST_RISK_SCORE (default 75): risk_level is `highest` from this score."""
    return int(_get("FRAUD_HIGHEST_RISK_SCORE", 75))


def usd_rates() -> dict[str, float]:
    """FRAUD_USD_RATES: US cents per minor unit, per lowercase currency code."""
    return dict(_get("FRAUD_USD_RATES", DEFAULT_USD_RATES))


def ip_countries() -> list[tuple[str, str]]:
    """FRAUD_IP_COUNTRIES: (CIDR network, lowercase ISO country) pairs; the first match wins."""
    return list(_get("FRAUD_IP_COUNTRIES", DEFAULT_IP_COUNTRIES))


def disposable_email_domains() -> frozenset[str]:
    return frozenset(_get("FRAUD_DISPOSABLE_EMAIL_DOMAINS", DEFAULT_DISPOSABLE_EMAIL_DOMAINS))


def new_account_days() -> float:
    """FRAUD_NEW_ACCOUNT_DAYS (default 3): an account younger than this is new."""
    return float(_get("FRAUD_NEW_ACCOUNT_DAYS", 3))


def large_amount_usd() -> float:
    """FRAUD_LARGE_AMOUNT_USD (default 1000): an amount from this many dollars is large for a new account."""
    return float(_get("FRAUD_LARGE_AMOUNT_USD", 1000))


def model_cache_seconds() -> float:
    """FRAUD_MODEL_CACHE_SECONDS (default 30): how long a process keeps the active risk model in memory."""
    return float(_get("FRAUD_MODEL_CACHE_SECONDS", 30))


def rules_cache_seconds() -> float:
    """FRAUD_RULES_CACHE_SECONDS (default 5): how long a process keeps the enabled rules in memory.

    An edit in admin reaches the process that saved it at once and every other process within this delay.
    """
    return float(_get("FRAUD_RULES_CACHE_SECONDS", 5))
