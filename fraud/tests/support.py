"""Test support shared by every app whose operations are screened (fraud, wallets, payments)."""

from contextlib import contextmanager

from fraud import scoring, velocity
from fraud.assessment import forget_rules


def wipe_velocity_keys() -> None:
    """Delete every fraud velocity counter in this test run's Redis (REDIS_URL / FRAUD_REDIS_URL)."""
    try:
        client = velocity._client().redis
    except velocity.VelocityUnavailable:
        return
    keys = list(client.scan_iter(match="fraud:*", count=1000))
    if keys:
        client.delete(*keys)


@contextmanager
def fresh_fraud_state(settings=None):
    """Start with no velocity counters and no cached rules or model; drop the caches again after.

    Given pytest-django's `settings`, rules are not cached during the test either
    (FRAUD_RULES_CACHE_SECONDS = 0: a rule created in the test applies at once).
    """
    if settings is not None:
        settings.FRAUD_RULES_CACHE_SECONDS = 0
    velocity.reset_clients()
    forget_rules()
    scoring.forget_active_model()
    wipe_velocity_keys()
    yield
    velocity.reset_clients()
    forget_rules()
    scoring.forget_active_model()
