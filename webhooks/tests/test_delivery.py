"""Delivery to a real HTTP receiver: signing, retries, timeouts, 410, Retry-After, redirects."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from webhooks.events import event_body
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from webhooks.sender import Sender
from webhooks.services import endpoint_secret_rotate, event_record
from webhooks.tests.receiver import Reply
from webhooks.worker import delivery_attempt_next

pytestmark = pytest.mark.django_db


def _record_event(user, event_type="transfer.created") -> Event:
    with transaction.atomic():
        return event_record(user=user, event_type=event_type, data_object={"id": "tr_1", "amount": 500})


def _make_due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_a_delivery_is_signed_so_that_standardwebhooks_verifies_it(user, endpoint, receiver, sender):
    event = _record_event(user)

    assert delivery_attempt_next(sender=sender)

    [request] = receiver.requests
    payload = Webhook(endpoint.plain_secret).verify(request.body, request.headers)
    assert payload["id"] == event.public_id
    assert payload["object"] == "event"
    assert payload["data"] == {"object": {"id": "tr_1", "amount": 500}}
    assert request.headers["webhook-id"] == event.public_id
    assert request.body == event_body(event)
    assert request.headers["content-type"] == "application/json"


def test_a_2xx_ends_the_delivery_succeeded_with_its_attempt_recorded(user, endpoint, receiver, sender):
    receiver.default = Reply(status=204, body=b"")
    _record_event(user)

    delivery_attempt_next(sender=sender)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "succeeded"
    assert delivery.next_attempt_at is None
    [attempt] = delivery.attempts.all()
    assert (attempt.attempt_number, attempt.status_code, attempt.succeeded, attempt.error) == (1, 204, True, "")
    assert attempt.latency_ms is not None


def test_a_receiver_failing_three_times_gets_the_same_webhook_id_four_times_then_succeeds(
    user, endpoint, receiver, sender
):
    receiver.replies = [Reply(500), Reply(500), Reply(500), Reply(200)]
    event = _record_event(user)
    delivery = WebhookDelivery.objects.get()
    waits = []

    for _ in range(4):
        before = timezone.now()
        assert delivery_attempt_next(sender=sender)
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            waits.append(round((delivery.next_attempt_at - before).total_seconds()))
            assert not delivery_attempt_next(sender=sender), "not due again before its retry time"
            _make_due(delivery)

    assert receiver.ids() == [event.public_id] * 4
    assert delivery.status == "succeeded"
    assert delivery.attempt_count == 4
    assert [a.status_code for a in delivery.attempts.all()] == [500, 500, 500, 200]
    assert waits == [5, 300, 1800]


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt_retried_later(user, endpoint, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.default = Reply(delay=1.5)
    _record_event(user)
    sender = Sender(timeout_seconds=0.3)

    delivery_attempt_next(sender=sender)
    sender.close()

    delivery = WebhookDelivery.objects.get()
    [attempt] = delivery.attempts.all()
    assert attempt.status_code is None
    assert "timeout" in attempt.error
    assert attempt.latency_ms < 1500
    assert delivery.status == "pending"
    assert delivery.next_attempt_at > timezone.now()


def test_a_410_disables_the_endpoint_at_once_and_records_an_event(user, endpoint, receiver, sender):
    receiver.default = Reply(status=410)
    _record_event(user)

    delivery_attempt_next(sender=sender)

    endpoint.refresh_from_db()
    assert endpoint.status == "disabled"
    assert WebhookDelivery.objects.get(event__type="transfer.created").status == "failed"
    disabled_event = Event.objects.get(type="webhook_endpoint.disabled")
    assert disabled_event.user == user
    assert disabled_event.data["object"]["id"] == endpoint.public_id
    assert "secret" not in disabled_event.data["object"]


def test_retry_after_is_honoured_when_longer_than_the_schedule(user, endpoint, receiver, sender):
    receiver.default = Reply(status=503, headers={"Retry-After": "120"})
    _record_event(user)
    before = timezone.now()

    delivery_attempt_next(sender=sender)

    delivery = WebhookDelivery.objects.get()
    assert 119 <= (delivery.next_attempt_at - before).total_seconds() <= 122


def test_a_delivery_fails_after_its_last_scheduled_attempt(user, endpoint, receiver, sender):
    receiver.default = Reply(status=500)
    _record_event(user)
    WebhookDelivery.objects.update(attempt_count=9)

    delivery_attempt_next(sender=sender)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at) == ("failed", 10, None)
    assert WebhookEndpoint.objects.get().status == "enabled"


def test_an_endpoint_failing_for_five_days_is_disabled(user, endpoint, receiver, sender):
    receiver.default = Reply(status=500)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=5, seconds=1))
    _record_event(user)

    delivery_attempt_next(sender=sender)

    endpoint.refresh_from_db()
    assert endpoint.status == "disabled"
    assert Event.objects.filter(type="webhook_endpoint.disabled", user=user).count() == 1


def test_a_success_clears_the_failure_streak(user, endpoint, receiver, sender):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=4))
    _record_event(user)

    delivery_attempt_next(sender=sender)

    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_redirects_are_not_followed(user, endpoint, receiver, sender):
    receiver.default = Reply(status=302, headers={"Location": receiver.url("/elsewhere")})
    _record_event(user)

    delivery_attempt_next(sender=sender)

    assert [request.path for request in receiver.requests] == ["/hook"]
    attempt = WebhookDelivery.objects.get().attempts.get()
    assert attempt.status_code == 302
    assert attempt.error == "redirect not followed"


def test_the_response_body_is_stored_truncated(user, endpoint, receiver, sender):
    receiver.default = Reply(status=500, body=b"x" * 5000)
    _record_event(user)

    delivery_attempt_next(sender=sender)

    assert len(WebhookDelivery.objects.get().attempts.get().response_body) == 1000


def test_after_a_secret_rotation_both_secrets_verify_for_24_hours(user, endpoint, receiver, sender):
    _, new_secret = endpoint_secret_rotate(endpoint=endpoint)
    _record_event(user)

    delivery_attempt_next(sender=sender)

    [request] = receiver.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(new_secret).verify(request.body, request.headers)
    Webhook(endpoint.plain_secret).verify(request.body, request.headers)


def test_a_pending_delivery_of_a_disabled_endpoint_is_canceled_not_sent(user, endpoint, receiver, sender):
    _record_event(user)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(status="disabled")

    delivery_attempt_next(sender=sender)

    assert receiver.requests == []
    assert WebhookDelivery.objects.get().status == "canceled"


def test_nothing_is_claimed_when_nothing_is_due(user, endpoint, receiver, sender):
    _record_event(user)
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() + timedelta(seconds=5))

    assert not delivery_attempt_next(sender=sender)
    assert receiver.requests == []
