"""Which connectors may process a payment, in order, and a circuit breaker per connector.

Routing (settings.PAYMENT_ROUTING): per currency (or "*"), an ordered list of
`{"connector": name, "brands": [...], "min_amount": n, "max_amount": n}`; an entry whose rules
do not match the payment is skipped. The first connector is tried first; on a technical failure
the next one is tried; a decline is final.

Circuit breaker (in the cache, so shared by every process): after
PAYMENT_CIRCUIT_BREAKER_THRESHOLD consecutive technical failures a connector is skipped for
PAYMENT_CIRCUIT_BREAKER_COOL_OFF_SECONDS; the first success closes it. When the cache is down,
the breaker counts nothing and is closed: a payment is never refused because Redis is.
"""

import time

import structlog
from django.conf import settings
from django.core.cache import cache

logger = structlog.get_logger(__name__)

_FAILURES = "payments:breaker:{}:failures"
_OPEN_UNTIL = "payments:breaker:{}:open_until"


def route(*, currency: str, amount: int, brand: str) -> list[str]:
    """The eligible connectors for this payment, in order (circuit breaker not applied)."""
    routing = settings.PAYMENT_ROUTING
    entries = routing.get(currency, routing.get("*", []))
    eligible = []
    for entry in entries:
        brands = entry.get("brands")
        if brands and brand not in brands:
            continue
        if entry.get("min_amount") is not None and amount < entry["min_amount"]:
            continue
        if entry.get("max_amount") is not None and amount > entry["max_amount"]:
            continue
        if entry["connector"] in settings.PAYMENT_CONNECTORS and entry["connector"] not in eligible:
            eligible.append(entry["connector"])
    return eligible


def breaker_is_open(connector: str) -> bool:
    try:
        open_until = cache.get(_OPEN_UNTIL.format(connector))
    except Exception:  # noqa: BLE001 - the cache is down: the breaker is closed (documented)
        return False
    return open_until is not None and open_until > time.time()


def breaker_record_failure(connector: str) -> None:
    """Count one technical failure; open the breaker at the threshold."""
    cool_off = settings.PAYMENT_CIRCUIT_BREAKER_COOL_OFF_SECONDS
    key = _FAILURES.format(connector)
    try:
        cache.add(key, 0, timeout=cool_off * 10)
        failures = cache.incr(key)
        if failures >= settings.PAYMENT_CIRCUIT_BREAKER_THRESHOLD:
            cache.set(_OPEN_UNTIL.format(connector), time.time() + cool_off, timeout=cool_off)
            cache.delete(key)
            logger.warning("connector_circuit_opened", connector=connector, cool_off_seconds=cool_off)
    except Exception:  # noqa: BLE001 - the cache is down: count nothing
        return


def breaker_record_success(connector: str) -> None:
    try:
        cache.delete_many([_FAILURES.format(connector), _OPEN_UNTIL.format(connector)])
    except Exception:  # noqa: BLE001 - the cache is down
        return


def breaker_states() -> dict[str, bool]:
    """Whether each configured connector's circuit is open (one cache read for all; GET /metrics)."""
    names = list(settings.PAYMENT_CONNECTORS)
    try:
        open_until = cache.get_many([_OPEN_UNTIL.format(name) for name in names])
    except Exception:  # noqa: BLE001 - the cache is down: every breaker is closed (documented)
        return dict.fromkeys(names, False)
    now = time.time()
    return {name: (open_until.get(_OPEN_UNTIL.format(name)) or 0) > now for name in names}
