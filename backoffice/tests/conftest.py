"""Back-office fixtures: a clean fraud state (transfers are screened) and a staff client."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from fraud.pipeline.context import RiskContext
from fraud.tests.support import fresh_fraud_state


@pytest.fixture(autouse=True)
def _fresh_fraud_state(settings):
    with fresh_fraud_state(settings):
        yield


@pytest.fixture
def admin_client(client, db):
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def payment_context():
    def build(user, **overrides) -> RiskContext:
        return RiskContext(
            operation="payment",
            user_id=user.pk,
            account_created=timezone.now() - dt.timedelta(days=400),
            email=user.email,
            amount=overrides.get("amount", 2_500),
            currency="usd",
            ip="192.0.2.10",
            card_fingerprint="fp_regular",
            card_brand="visa",
            card_country="us",
            card_bin="424242",
            card_last4="4242",
        )

    return build
