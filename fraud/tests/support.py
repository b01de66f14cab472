"""Test support shared by every app whose operations are screened (fraud, wallets, payments)."""

from contextlib import contextmanager

from fraud.pipeline import scoring, velocity
from fraud.pipeline.assessment import rules_cache_clear
from fraud.services.reviews import REVIEW_HANDLERS


def wipe_velocity_keys() -> None:
    """Delete every fraud velocity counter in this test run's Redis (REDIS_URL / FRAUD_REDIS_URL)."""
    try:
        client = velocity.velocity_client().redis
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
    rules_cache_clear()
    scoring.risk_model_cache_clear()
    wipe_velocity_keys()
    yield
    velocity.reset_clients()
    rules_cache_clear()
    scoring.risk_model_cache_clear()


@contextmanager
def review_handlers_restored():
    """Whatever a test registers with `register_review_handler`, the apps' own handlers are back after it."""
    kept = dict(REVIEW_HANDLERS)
    try:
        yield REVIEW_HANDLERS
    finally:
        REVIEW_HANDLERS.clear()
        REVIEW_HANDLERS.update(kept)


class RecordingHandler:
    """A review handler that records what it was asked to do (stands in for wallets/payments)."""

    def __init__(self):
        self.approved: list[str] = []
        self.rejected: list[str] = []
        self.events: list[tuple[str, dict]] = []

    def on_approve(self, *, review) -> None:
        self.approved.append(review.object_id)

    def on_reject(self, *, review) -> None:
        self.rejected.append(review.object_id)

    def on_event(self, *, review, event_type: str, data: dict) -> None:
        self.events.append((event_type, data))
