"""Fixtures of the fraud tests: contexts, a clean velocity store, Redis down, a review handler."""

import datetime as dt
from dataclasses import replace

import pytest
from django.utils import timezone

from fraud import velocity
from fraud.assessment import RiskContext
from fraud.services import _review_handlers, register_review_handler
from fraud.tests.support import fresh_fraud_state

CLOSED_PORT_REDIS_URL = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def _fresh_fraud_state(settings):
    """Each test starts with no velocity counters, no cached model or rules and no registered handlers."""
    handlers = dict(_review_handlers)
    with fresh_fraud_state(settings):
        yield
    _review_handlers.clear()
    _review_handlers.update(handlers)


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

    def build(**overrides) -> RiskContext:
        owner = overrides.pop("owner", user)
        context = RiskContext(
            operation="payment",
            user_id=owner.pk,
            account_created=timezone.now() - dt.timedelta(days=400),
            email=owner.email,
            amount=2_500,
            currency="usd",
            ip="192.0.2.10",
            card_fingerprint="fp_regular",
            card_brand="visa",
            card_country="us",
            card_bin="424242",
            card_last4="4242",
        )
        return replace(context, **overrides)

    return build


class RecordingHandler:
    """A review handler that records what it was asked to do (stands in for wallets/payments)."""

    def __init__(self):
        self.approved: list[str] = []
        self.rejected: list[str] = []
        self.events: list[tuple[str, dict]] = []

    def on_approve(self, review) -> None:
        self.approved.append(review.object_id)

    def on_reject(self, review) -> None:
        self.rejected.append(review.object_id)

    def on_event(self, review, event_type: str, data: dict) -> None:
        self.events.append((event_type, data))


@pytest.fixture
def payment_handler() -> RecordingHandler:
    handler = RecordingHandler()
    register_review_handler(
        "payment_intent", on_approve=handler.on_approve, on_reject=handler.on_reject, on_event=handler.on_event
    )
    return handler
