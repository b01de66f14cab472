"""wallets.representations gives exactly what the API serializers' declared fields give: the events,
the responses and the OpenAPI document agree."""

import pytest
from rest_framework import serializers

from wallets.representations import payout_representation, transfer_representation
from wallets.serializers import PayoutOutput, TransferOutput
from wallets.tests.factories import PayoutFactory, TransferFactory

pytestmark = pytest.mark.django_db


def declared_fields_output(serializer_class, instance) -> dict:
    """What the serializer's declared fields make of `instance`, by DRF's own field-by-field path."""
    return dict(serializers.ModelSerializer.to_representation(serializer_class(), instance))


def test_a_transfers_representation_is_what_its_declared_fields_give(funded_usd_wallet, other_user_wallet):
    transfer = TransferFactory(
        source_wallet=funded_usd_wallet, destination_wallet=other_user_wallet, description="rent", metadata={"m": "5"}
    )

    assert transfer_representation(transfer) == declared_fields_output(TransferOutput, transfer)


def test_a_payouts_representation_is_what_its_declared_fields_give(funded_usd_wallet):
    payout = PayoutFactory(wallet=funded_usd_wallet, description="weekly", metadata={"ref": "w1"})

    assert payout_representation(payout) == declared_fields_output(PayoutOutput, payout)


def test_a_failed_payouts_representation_carries_its_failure(funded_usd_wallet):
    payout = PayoutFactory(wallet=funded_usd_wallet, account_number="000111111116")  # the bank fails it
    from wallets.services import payout_settle_next

    payout_settle_next(due_by=None)
    payout.refresh_from_db()

    assert payout_representation(payout) == declared_fields_output(PayoutOutput, payout)
    assert payout_representation(payout)["failure_code"] == "no_account"
