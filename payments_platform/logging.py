"""structlog setup: JSON lines in production, readable console output in development.

Every line passes through `scrub_secrets`, so a card number, CVC, password, token,
secret or Authorization header never reaches a log sink, whoever logged it.
"""

import logging
import logging.config
import re
from typing import Any

import structlog

from payments_platform.observability.tracing import add_trace_context

SENSITIVE_KEYS = frozenset(
    {
        "password",
        "new_password",
        "card",
        "number",
        "card_number",
        "cvc",
        "cvv",
        "token",
        "access",
        "refresh",
        "secret",
        "authorization",
        "http_authorization",
        "signing_key",
        "account_number",
    }
)
REDACTED = "[redacted]"
# 13 to 19 digits, optionally separated by spaces or dashes: anything shaped like a PAN.
_CARD_NUMBER = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_BEARER = re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_WEBHOOK_SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")
_API_KEY_SECRET = re.compile(r"sk_live_[A-Za-z0-9]+")


def scrub_text(text: str) -> str:
    """Mask card numbers, bearer tokens, JWTs, webhook secrets and API key secrets inside free text."""
    text = _BEARER.sub("Bearer " + REDACTED, text)
    text = _JWT.sub(REDACTED, text)
    text = _WEBHOOK_SECRET.sub(REDACTED, text)
    text = _API_KEY_SECRET.sub(REDACTED, text)
    return _CARD_NUMBER.sub(REDACTED, text)


def _scrub(value: Any, depth: int = 0) -> Any:
    if depth > 8:
        return value
    if isinstance(value, dict):
        return {
            key: REDACTED if str(key).lower() in SENSITIVE_KEYS else _scrub(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(item, depth + 1) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def scrub_secrets(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: redact sensitive keys and secret-shaped strings."""
    return _scrub(event_dict)


def configure_logging(*, log_format: str, level: str) -> None:
    """Route structlog and the standard library's logging through one pipeline."""
    shared_processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        add_trace_context,  # trace_id/span_id beside request_id while tracing is on (issue 20)
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        scrub_secrets,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if log_format == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared_processors,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "structlog": {
                    "()": structlog.stdlib.ProcessorFormatter,
                    "processors": [
                        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                        renderer,
                    ],
                    "foreign_pre_chain": shared_processors,
                }
            },
            "handlers": {
                "console": {"class": "logging.StreamHandler", "formatter": "structlog"},
            },
            "root": {"handlers": ["console"], "level": level},
            "loggers": {
                # Our access log replaces Django's request logger lines.
                "django.request": {"level": "ERROR"},
                "django.server": {"level": "WARNING"},
                "django.db.backends": {"level": "WARNING"},
            },
        }
    )
