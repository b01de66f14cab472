"""Batched delivery (`delivery_attempts_next`): several due deliveries per transaction, sent in order."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from webhooks import worker
from webhooks.models import Event, WebhookAttempt, WebhookDelivery
from webhooks.services import event_record
from webhooks.tests.receiver import Reply
from webhooks.worker import delivery_attempts_next

pytestmark = pytest.mark.django_db


def _record_events(user, count: int) -> list[Event]:
    with transaction.atomic():
        return [event_record(user=user, event_type="transfer.created", data_object={"n": n}) for n in range(count)]


def test_a_batch_sends_its_deliveries_oldest_due_first(user, endpoint, receiver, sender):
    events = _record_events(user, 3)
    now = timezone.now()
    for age, event in zip((1, 3, 2), events, strict=True):
        WebhookDelivery.objects.filter(event=event).update(next_attempt_at=now - timedelta(minutes=age))

    assert delivery_attempts_next(sender=sender, limit=10) == 3

    assert receiver.ids() == [events[1].public_id, events[2].public_id, events[0].public_id]


def test_a_batch_records_one_attempt_per_delivery_and_ends_each_succeeded(user, endpoint, receiver, sender):
    _record_events(user, 4)

    delivery_attempts_next(sender=sender, limit=10)

    assert list(WebhookDelivery.objects.values_list("status", "attempt_count").distinct()) == [("succeeded", 1)]
    assert sorted(WebhookAttempt.objects.values_list("delivery_id", flat=True)) == sorted(
        WebhookDelivery.objects.values_list("pk", flat=True)
    )
    assert all(WebhookAttempt.objects.values_list("succeeded", flat=True))


def test_a_batch_claims_no_more_than_its_limit(user, endpoint, receiver, sender):
    _record_events(user, 5)

    assert delivery_attempts_next(sender=sender, limit=2) == 2

    assert len(receiver.requests) == 2
    assert WebhookDelivery.objects.filter(status="pending").count() == 3


def test_a_batch_costs_the_same_statements_for_ten_deliveries_as_for_one(
    user, endpoint, receiver, sender, django_assert_num_queries
):
    _record_events(user, 11)
    with django_assert_num_queries(4) as one:  # SAVEPOINT, claim, attempts and deliveries, RELEASE
        delivery_attempts_next(sender=sender, limit=1)

    with django_assert_num_queries(len(one.captured_queries)):
        assert delivery_attempts_next(sender=sender, limit=10) == 10


def test_a_batch_past_its_time_budget_leaves_the_rest_pending_and_unsent(user, endpoint, receiver, sender, monkeypatch):
    _record_events(user, 3)
    monkeypatch.setattr(worker, "BATCH_SECONDS", 0.0)

    assert delivery_attempts_next(sender=sender, limit=10) == 1

    assert len(receiver.requests) == 1
    unsent = WebhookDelivery.objects.filter(status="pending")
    assert unsent.count() == 2
    assert not WebhookAttempt.objects.filter(delivery__in=unsent).exists()
    assert all(due <= timezone.now() for due in unsent.values_list("next_attempt_at", flat=True))


def test_after_a_410_in_a_batch_the_endpoint_s_next_delivery_is_canceled_not_sent(user, endpoint, receiver, sender):
    receiver.replies = [Reply(status=410)]
    first, second = _record_events(user, 2)
    WebhookDelivery.objects.filter(event=first).update(next_attempt_at=timezone.now() - timedelta(minutes=1))

    delivery_attempts_next(sender=sender, limit=10)

    assert receiver.ids() == [first.public_id]
    assert WebhookDelivery.objects.get(event=first).status == "failed"
    assert WebhookDelivery.objects.get(event=second).status == "canceled"


def test_a_failure_then_a_success_in_one_batch_clears_the_endpoint_s_failure_streak(user, endpoint, receiver, sender):
    receiver.replies = [Reply(status=500)]
    first, _second = _record_events(user, 2)
    WebhookDelivery.objects.filter(event=first).update(next_attempt_at=timezone.now() - timedelta(minutes=1))

    delivery_attempts_next(sender=sender, limit=10)

    endpoint.refresh_from_db()
    assert endpoint.failing_since is None
    assert WebhookDelivery.objects.get(event=first).status == "pending"
