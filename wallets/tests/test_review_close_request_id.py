"""Closing a transfer's review from the admin: the entry it writes carries the operator's request
id, not the customer's original one; the audit record carries the operator's IP."""

import pytest

from accounts.models import AuditLogEntry
from accounts.tests.factories import UserFactory
from fraud.models import Review
from fraud.services import review_close
from fraud.tests.factories import RuleFactory
from ledger.models import JournalEntry
from wallets.tests.factories import TransferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_review(funded_usd_wallet, other_user_wallet) -> Review:
    RuleFactory(name="review-all-transfers", expression="review if :amount: > 0", position=1)
    transfer = TransferFactory(
        source_wallet=funded_usd_wallet, destination_wallet=other_user_wallet, amount=700, request_id="customer-req-1"
    )
    return Review.objects.get(object_id=transfer.public_id)


@pytest.mark.parametrize(("approve", "kind"), [(True, "review_release"), (False, "review_reversal")])
def test_the_entry_of_a_closed_review_carries_the_operators_request_id(held_review, approve, kind):
    operator = UserFactory(is_staff=True, is_superuser=True)

    review_close(review=held_review, approve=approve, actor=operator, request_id="operator-req-9", ip="10.1.2.3")

    entry = JournalEntry.objects.get(kind=kind)
    assert (entry.request_id, entry.created_by) == ("operator-req-9", operator)
    audit = AuditLogEntry.objects.get(object_id=held_review.public_id)
    assert (audit.request_id, audit.ip) == ("operator-req-9", "10.1.2.3")


def test_the_review_keeps_the_customers_original_request_id(held_review):
    review_close(review=held_review, approve=True, actor=None, request_id="operator-req-9")

    held_review.refresh_from_db()
    assert held_review.request_id == "customer-req-1"
