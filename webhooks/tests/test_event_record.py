"""event_record: the outbox row and its deliveries, written in the caller's transaction."""

import pytest
from django.db import transaction

from webhooks.models import Event, WebhookDelivery
from webhooks.services import event_record
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


def test_event_record_writes_an_event_owned_by_the_user_with_the_object(user):
    with transaction.atomic():
        event = event_record(user=user, event_type="transfer.created", data_object={"id": "tr_1"}, request_id="req-1")

    stored = Event.objects.get(pk=event.pk)
    assert stored.public_id.startswith("evt_")
    assert stored.user == user
    assert stored.type == "transfer.created"
    assert stored.data == {"object": {"id": "tr_1"}}
    assert stored.request_id == "req-1"


@pytest.mark.django_db(transaction=True)
def test_event_record_refuses_to_run_outside_a_transaction(user):
    """A transactional test: a plain test case already wraps everything in a transaction."""
    with pytest.raises(AssertionError):
        event_record(user=user, event_type="transfer.created", data_object={})


def test_event_record_queues_one_delivery_per_matching_enabled_endpoint(user, other_user):
    wildcard = WebhookEndpointFactory(user=user, enabled_events=["*"])
    exact = WebhookEndpointFactory(user=user, enabled_events=["payout.paid", "transfer.created"])
    WebhookEndpointFactory(user=user, enabled_events=["payout.paid"])
    WebhookEndpointFactory(user=user, enabled_events=["*"], status="disabled")
    WebhookEndpointFactory(user=other_user, enabled_events=["*"])

    with transaction.atomic():
        event = event_record(user=user, event_type="transfer.created", data_object={"id": "tr_1"})

    deliveries = WebhookDelivery.objects.filter(event=event)
    assert {d.endpoint_id for d in deliveries} == {wildcard.pk, exact.pk}
    assert {d.status for d in deliveries} == {"pending"}


def test_event_record_is_one_statement_with_or_without_endpoints(user, django_assert_num_queries):
    with transaction.atomic():
        with django_assert_num_queries(1):
            event_record(user=user, event_type="transfer.created", data_object={})
        WebhookEndpointFactory(user=user)
        WebhookEndpointFactory(user=user)
        with django_assert_num_queries(1):
            event = event_record(user=user, event_type="transfer.created", data_object={})

    assert event.deliveries.count() == 2
    assert all(d.public_id.startswith("whd_") and len(d.public_id) == 36 for d in event.deliveries.all())


def test_a_rolled_back_change_leaves_no_event_and_no_delivery(user):
    WebhookEndpointFactory(user=user)

    with pytest.raises(RuntimeError), transaction.atomic():
        event_record(user=user, event_type="transfer.created", data_object={"id": "tr_1"})
        raise RuntimeError("the change failed after its event was written")

    assert not Event.objects.exists()
    assert not WebhookDelivery.objects.exists()
