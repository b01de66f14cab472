"""Fixtures of the fraud tests: contexts, a clean velocity store, Redis down, a review handler."""

import pytest

from fraud.pipeline import velocity
from fraud.services import register_review_handler
from fraud.tests.factories import RiskContextFactory
from fraud.tests.support import RecordingHandler, fresh_fraud_state, review_handlers_restored

CLOSED_PORT_REDIS_URL = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def _fresh_fraud_state(settings):
    """Each test starts with no velocity counters, no cached model or rules and no registered handlers."""
    with review_handlers_restored(), fresh_fraud_state(settings):
        yield


@pytest.fixture
def redis_down(settings):
    """The velocity client points at a closed port: every Redis call fails at once."""
    settings.FRAUD_REDIS_URL = CLOSED_PORT_REDIS_URL
    velocity.reset_clients()
    yield
    velocity.reset_clients()


@pytest.fixture
def make_context(user):
    """Build a RiskContext for `user` (an established account, a normal card payment) with overrides."""

    def build(**overrides):
        return RiskContextFactory(owner=overrides.pop("owner", user), **overrides)

    return build


@pytest.fixture
def payment_handler() -> RecordingHandler:
    handler = RecordingHandler()
    register_review_handler(
        "payment_intent", on_approve=handler.on_approve, on_reject=handler.on_reject, on_event=handler.on_event
    )
    return handler
