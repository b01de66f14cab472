"""Every write of the webhooks context: events (the outbox), endpoints and deliveries."""

from django.db import connection
from django.db.models import Q

from webhooks.models import Event, WebhookDelivery, WebhookEndpoint


def event_record(*, user, event_type: str, data_object: dict, request_id: str = "") -> Event:
    """Write an Event (public id evt_…) owned by `user` with data {"object": data_object}, plus one pending
    WebhookDelivery per enabled endpoint of that user whose enabled_events match ("*" or the type).

    Must be called inside the caller's transaction (it asserts `connection.in_atomic_block`): the
    event and its deliveries commit or roll back with the change they describe. Nothing is sent
    here; the worker and the relay read them after commit. Cost: one INSERT, one SELECT, and one
    bulk INSERT only when an endpoint matches.
    """
    assert connection.in_atomic_block, "event_record() must run inside the transaction of the change"
    event = Event.objects.create(user=user, type=event_type, data={"object": data_object}, request_id=request_id)
    endpoint_ids = list(
        WebhookEndpoint.objects.filter(user=user, status=WebhookEndpoint.Status.ENABLED)
        .filter(Q(enabled_events__contains=["*"]) | Q(enabled_events__contains=[event_type]))
        .values_list("id", flat=True)
    )
    if endpoint_ids:
        WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(event=event, endpoint_id=endpoint_id, next_attempt_at=event.created) for endpoint_id in endpoint_ids]
        )
    return event
