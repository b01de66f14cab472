"""Reads of the webhooks context; every one is scoped to its owner."""

from django.db.models import Prefetch, QuerySet
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
    """The endpoint's deliveries with their events, endpoint and attempts, prefetched: the number of
    queries does not grow with the page (docs/webhooks.md, "Statement counts")."""
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event", "endpoint")
        .prefetch_related(Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("attempt_number")))
    )


# --- Operations: what is waiting (GET /metrics; docs/observability.md) ---------------------
# Each reads a partial index, whatever the size of the tables: a count that stops
# at BACKLOG_COUNT_LIMIT (a larger backlog reads as the limit) and the oldest row by that index.

BACKLOG_COUNT_LIMIT = 100_000


def _count_up_to(queryset) -> int:
    return queryset.order_by().values("pk")[:BACKLOG_COUNT_LIMIT].count()


def delivery_backlog() -> dict:
    """Pending webhook deliveries: `{"count", "oldest_age_seconds"}`. The age is how long the most
    overdue pending delivery has been due (0.0 when all wait for a future retry; None when none is
    pending): a worker that has stopped makes it grow without bound."""
    pending = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
    count = _count_up_to(pending)
    if not count:
        return {"count": 0, "oldest_age_seconds": None}
    due_at = pending.order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    age = max(0.0, (timezone.now() - due_at).total_seconds()) if due_at is not None else 0.0
    return {"count": count, "oldest_age_seconds": age}


def relay_lag() -> dict:
    """Events not yet published to NATS: `{"count", "oldest_age_seconds"}`, the age of the oldest by
    id (None when the relay is caught up)."""
    unrelayed = Event.objects.filter(relayed_at__isnull=True)
    count = _count_up_to(unrelayed)
    if not count:
        return {"count": 0, "oldest_age_seconds": None}
    oldest = unrelayed.order_by("id").values_list("created", flat=True).first()
    return {"count": count, "oldest_age_seconds": max(0.0, (timezone.now() - oldest).total_seconds())}
