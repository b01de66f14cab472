"""Reads of the webhooks context; every one is scoped to its owner."""

from django.db.models import Prefetch, QuerySet

from payments_platform.api.errors import ParameterInvalid, ResourceMissing
from webhooks.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.serializers import EVENT_TYPE_PATTERN


def event_list(*, user, event_type: str | None = None) -> QuerySet[Event]:
    """The user's events; `event_type` is a type or a prefix wildcard (`transfer.*`)."""
    events = Event.objects.filter(user=user)
    if event_type:
        if event_type.endswith(".*"):
            prefix = event_type[:-1]
            if not EVENT_TYPE_PATTERN.match(prefix + "x"):
                raise ParameterInvalid(
                    "type must be an event type or a prefix wildcard like 'transfer.*'.", param="type"
                )
            events = events.filter(type__startswith=prefix)
        else:
            events = events.filter(type=event_type)
    return events


def event_get(*, user, public_id: str) -> Event:
    event = Event.objects.filter(user=user, public_id=public_id).first()
    if event is None:
        raise ResourceMissing(f"No such event: {public_id!r}.", param="id")
    return event


def endpoint_list(*, user) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(user=user)


def endpoint_get(*, user, public_id: str, param: str = "id") -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(user=user, public_id=public_id).first()
    if endpoint is None:
        raise ResourceMissing(f"No such webhook endpoint: {public_id!r}.", param=param)
    return endpoint


def delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's deliveries with their attempts, in three queries per page whatever its size."""
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event", "endpoint")
        .prefetch_related(Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("attempt_number")))
    )
