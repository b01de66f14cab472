"""Reads of the webhooks context; every one is scoped to its owner."""

from django.db.models import Count, Min, Prefetch, QuerySet
from django.utils import timezone

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


# --- Operational gauges (the admin overview, metrics) ------------------------------------------


def _gauge(queryset, field: str) -> dict:
    row = queryset.aggregate(count=Count("pk"), oldest=Min(field))
    oldest = row["oldest"]
    age = max((timezone.now() - oldest).total_seconds(), 0.0) if oldest is not None else None
    return {"count": row["count"], "oldest_age_seconds": age}


def delivery_backlog() -> dict:
    """Deliveries waiting for a worker now: `pending` with their next attempt due. `count`, and
    `oldest_age_seconds` = how long the most overdue one has waited past its `next_attempt_at`
    (None when there is none). Retries scheduled for later are not backlog. One indexed query."""
    due = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now())
    return _gauge(due, "next_attempt_at")


def relay_lag() -> dict:
    """Events not yet published to NATS (`relayed_at` null): `count`, and `oldest_age_seconds` =
    the age of the oldest one (None when the relay is caught up). One query on a partial index."""
    return _gauge(Event.objects.filter(relayed_at__isnull=True), "created")
