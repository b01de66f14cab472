"""The event contract holds the wallets context's services to their schemas (webhooks.contract)."""

import pytest

from wallets import representations
from wallets.services import transfer_create
from wallets.tests.factories import WalletFactory
from webhooks.contract import EventSchemaViolation

pytestmark = pytest.mark.django_db


def test_domain_code_recording_a_drifted_event_fails_in_the_suite(user, monkeypatch):
    """What the check is for: a service that emits something its schema does not say fails its tests."""
    original = representations.transfer_representation
    monkeypatch.setattr(
        "wallets.services.transfers.transfer_representation", lambda transfer: {**original(transfer), "surprise": 1}
    )
    source = WalletFactory(user=user, currency="usd", balance=1_000)
    destination = WalletFactory(currency="usd")

    with pytest.raises(EventSchemaViolation, match="surprise"):
        transfer_create(user=user, source_wallet=source.public_id, destination_wallet=destination.public_id, amount=1)
