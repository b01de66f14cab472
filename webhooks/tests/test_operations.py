"""What waits in the webhooks context (delivery backlog, relay lag) and the delivery counter, for GET /metrics."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from prometheus_client import REGISTRY

from webhooks.models import Event, WebhookDelivery
from webhooks.selectors import delivery_backlog, relay_lag
from webhooks.sender import Sender
from webhooks.services import event_record
from webhooks.tests.factories import EventFactory, WebhookDeliveryFactory, WebhookEndpointFactory
from webhooks.tests.receiver import Receiver, Reply
from webhooks.worker import delivery_attempt_next

pytestmark = pytest.mark.django_db


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_delivery_backlog_is_empty_when_nothing_is_pending():
    WebhookDeliveryFactory(status=WebhookDelivery.Status.SUCCEEDED, next_attempt_at=None)

    assert delivery_backlog() == {"count": 0, "oldest_age_seconds": None}


def test_delivery_backlog_counts_pending_deliveries_and_how_long_the_most_overdue_has_been_due():
    now = timezone.now()
    WebhookDeliveryFactory(next_attempt_at=now - timedelta(minutes=10))
    WebhookDeliveryFactory(next_attempt_at=now - timedelta(minutes=1))
    WebhookDeliveryFactory(status=WebhookDelivery.Status.FAILED, next_attempt_at=now - timedelta(hours=5))

    backlog = delivery_backlog()

    assert backlog["count"] == 2
    assert 600 <= backlog["oldest_age_seconds"] < 3600


def test_delivery_backlog_age_is_zero_when_every_pending_delivery_waits_for_a_later_retry():
    WebhookDeliveryFactory(next_attempt_at=timezone.now() + timedelta(hours=2))

    assert delivery_backlog() == {"count": 1, "oldest_age_seconds": 0.0}


def test_relay_lag_is_empty_when_every_event_was_relayed():
    EventFactory(relayed_at=timezone.now())

    assert relay_lag() == {"count": 0, "oldest_age_seconds": None}


def test_relay_lag_counts_unrelayed_events_and_the_age_of_the_oldest():
    EventFactory(created=timezone.now() - timedelta(minutes=30))
    EventFactory()
    EventFactory(relayed_at=timezone.now(), created=timezone.now() - timedelta(days=1))

    lag = relay_lag()

    assert lag["count"] == 2
    assert 1800 <= lag["oldest_age_seconds"] < 7200


def test_the_backlog_count_stops_at_its_bound(monkeypatch):
    monkeypatch.setattr("webhooks.selectors.BACKLOG_COUNT_LIMIT", 2)
    for _ in range(3):
        EventFactory()

    assert relay_lag()["count"] == 2


def test_metrics_shows_the_backlog_and_the_relay_lag(api_client, settings):
    settings.METRICS_TOKEN = "t0ken"
    WebhookDeliveryFactory(next_attempt_at=timezone.now() - timedelta(minutes=5))
    Event.objects.update(relayed_at=None)

    body = api_client.get("/metrics", headers={"Authorization": "Bearer t0ken"}).content.decode()

    assert "payments_webhook_backlog_deliveries 1.0" in body
    assert "payments_relay_lag_events 1.0" in body


def test_a_delivered_attempt_is_counted_as_succeeded(user, receiver, django_capture_on_commit_callbacks):
    endpoint = WebhookEndpointFactory(user=user, url=receiver.url())
    with transaction.atomic():
        event_record(user=user, event_type="transfer.created", data_object={"id": "tr_1", "amount": 500})
    before = sample("payments_webhook_deliveries_total", result="succeeded")
    sender = Sender(timeout_seconds=5)

    with django_capture_on_commit_callbacks(execute=True):
        assert delivery_attempt_next(sender=sender)
    sender.close()

    assert endpoint.deliveries.get().status == WebhookDelivery.Status.SUCCEEDED
    assert sample("payments_webhook_deliveries_total", result="succeeded") == before + 1


def test_a_failed_attempt_with_retries_left_is_counted_as_retrying(
    user, allow_private_urls, django_capture_on_commit_callbacks
):
    with Receiver(default=Reply(status=500)) as failing:
        WebhookEndpointFactory(user=user, url=failing.url())
        with transaction.atomic():
            event_record(user=user, event_type="transfer.created", data_object={"id": "tr_1", "amount": 500})
        before = sample("payments_webhook_deliveries_total", result="retrying")
        sender = Sender(timeout_seconds=5)

        with django_capture_on_commit_callbacks(execute=True):
            assert delivery_attempt_next(sender=sender)
        sender.close()

    assert sample("payments_webhook_deliveries_total", result="retrying") == before + 1
