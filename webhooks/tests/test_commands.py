"""prune_events, run_webhook_worker --once and relay_events, run as an operator would."""

import os
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from webhooks.models import Event, WebhookDelivery
from webhooks.tests.factories import EventFactory, WebhookDeliveryFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db


def _aged(event: Event, days: int) -> Event:
    Event.objects.filter(pk=event.pk).update(created=timezone.now() - timedelta(days=days))
    return event


def test_prune_events_removes_events_older_than_30_days_with_their_finished_deliveries(settings):
    settings.NATS_URL = ""
    old = _aged(EventFactory(), 31)
    WebhookDeliveryFactory(event=old, endpoint=WebhookEndpointFactory(user=old.user), status="succeeded")
    recent = _aged(EventFactory(), 29)
    out = StringIO()

    call_command("prune_events", stdout=out)

    assert list(Event.objects.all()) == [recent]
    assert not WebhookDelivery.objects.exists()
    assert "Deleted 1 event(s)" in out.getvalue()


def test_prune_events_keeps_events_with_a_pending_delivery(settings):
    settings.NATS_URL = ""
    old = _aged(EventFactory(), 40)
    WebhookDeliveryFactory(event=old, endpoint=WebhookEndpointFactory(user=old.user), status="pending")

    call_command("prune_events", stdout=StringIO())

    assert Event.objects.filter(pk=old.pk).exists()


def test_prune_events_keeps_events_not_yet_relayed_when_nats_is_configured(settings):
    settings.NATS_URL = os.environ["NATS_URL"]
    unrelayed = _aged(EventFactory(), 40)
    relayed = _aged(EventFactory(relayed_at=timezone.now()), 40)

    call_command("prune_events", stdout=StringIO())

    assert Event.objects.filter(pk=unrelayed.pk).exists()
    assert not Event.objects.filter(pk=relayed.pk).exists()


def test_prune_events_refuses_a_retention_under_30_days():
    with pytest.raises(CommandError):
        call_command("prune_events", "--days", "7", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_run_webhook_worker_once_delivers_what_is_due_and_exits(user, receiver):
    """Transactional: the worker's threads have their own connections and see only committed rows."""
    WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(user=user, url=receiver.url()))
    out = StringIO()

    call_command("run_webhook_worker", "--once", "--concurrency", "1", stdout=out)

    assert len(receiver.requests) == 1
    assert "Made 1 delivery attempt(s)." in out.getvalue()


def test_relay_events_refuses_to_run_without_nats_url(settings):
    settings.NATS_URL = ""
    with pytest.raises(CommandError, match="NATS_URL"):
        call_command("relay_events", "--once", stdout=StringIO())
