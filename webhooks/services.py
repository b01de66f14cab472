"""Every write of the webhooks context: events (the outbox), endpoints, deliveries and pruning."""

import json
from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.api import audit_log_record
from payments_platform.api.ids import new_public_id
from payments_platform.db import prepared_cursor
from webhooks import contract, secrets, ssrf
from webhooks.errors import NoMatchingWebhookEndpoints, WebhookEndpointDisabled
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from webhooks.representations import endpoint_representation

logger = structlog.get_logger(__name__)

SECRET_ROTATION_OVERLAP = timedelta(hours=24)
ENDPOINT_DISABLED_EVENT = "webhook_endpoint.disabled"


def _matching(queryset, event_type: str) -> list[WebhookEndpoint]:
    """The endpoints of `queryset` subscribed to `event_type` ("*" or the type itself): jsonb containment."""
    return list(queryset.filter(Q(enabled_events__contains=["*"]) | Q(enabled_events__contains=[event_type])))


def event_record(*, user, event_type: str, data_object: dict, request_id: str = "") -> Event:
    """Write an Event (public id evt_…) owned by `user` with data {"object": data_object}, plus one pending
    WebhookDelivery per enabled endpoint of that user whose enabled_events match ("*" or the type).

    Must be called inside the caller's transaction (it asserts `connection.in_atomic_block`): the
    event and its deliveries commit or roll back with the change they describe. Nothing is sent
    here; the worker and the relay read them after commit. The event and its deliveries are written
    together (data-modifying CTEs; docs/webhooks.md, "Statement counts").
    """
    assert connection.in_atomic_block, "event_record() must run inside the transaction of the change"
    event = Event(user=user, type=event_type, data={"object": data_object}, request_id=request_id)
    _event_insert_with_deliveries(event)
    if settings.EVENT_SCHEMA_CHECK and contract.recorded_by_domain_code():
        contract.event_check(event)  # the test suite: every event validates against its schema
    return event


# The event and its deliveries together (event_record is on every money path), sent as a
# prepared statement (`payments_platform.db`): PostgreSQL plans it once per connection. The
# deliveries' ids come from gen_random_uuid(): 122 random bits, hex, behind the usual prefix.
_EVENT_WITH_DELIVERIES_SQL = f"""
WITH event AS (
    INSERT INTO {Event._meta.db_table} (public_id, user_id, type, data, request_id, created)
    VALUES (%(public_id)s, %(user_id)s, %(type)s, %(data)s::jsonb, %(request_id)s, %(created)s)
    RETURNING id
), deliveries AS (
    INSERT INTO {WebhookDelivery._meta.db_table}
        (public_id, event_id, endpoint_id, status, attempt_count, next_attempt_at, created)
    SELECT 'whd_' || replace(gen_random_uuid()::text, '-', ''), event.id, endpoint.id, %(pending)s, 0,
           %(created)s, %(created)s
      FROM event, {WebhookEndpoint._meta.db_table} AS endpoint
     WHERE endpoint.user_id = %(user_id)s
       AND endpoint.status = %(enabled)s
       AND (endpoint.enabled_events @> '["*"]'::jsonb OR endpoint.enabled_events @> %(type_list)s::jsonb)
    RETURNING 1
)
SELECT (SELECT id FROM event), (SELECT count(*) FROM deliveries)
"""  # noqa: S608 - table names are constants; every value is a parameter


def _event_insert_with_deliveries(event: Event) -> None:
    event.public_id = new_public_id("evt")
    with prepared_cursor() as cursor:
        cursor.execute(
            _EVENT_WITH_DELIVERIES_SQL,
            {
                "public_id": event.public_id,
                "user_id": event.user_id,
                "type": event.type,
                "data": json.dumps(event.data),
                "request_id": event.request_id,
                "created": event.created,
                "pending": WebhookDelivery.Status.PENDING,
                "enabled": WebhookEndpoint.Status.ENABLED,
                "type_list": json.dumps([event.type]),
            },
        )
        event.pk, _deliveries = cursor.fetchone()
    event._state.adding = False
    event._state.db = connection.alias


# --- Endpoints ----------------------------------------------------------------------


def endpoint_create(
    *,
    user,
    url: str,
    enabled_events: list[str],
    description: str = "",
    metadata: dict | None = None,
    request_id: str = "",
) -> tuple[WebhookEndpoint, str]:
    """Create an enabled endpoint after the SSRF checks; return it with its new secret (shown once).

    The secret is stored sealed and is never logged or returned again.
    """
    ssrf.url_validate(url)
    secret = secrets.secret_generate()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            user=user,
            url=url,
            enabled_events=enabled_events,
            description=description,
            metadata=metadata or {},
            sealed_secret=secrets.seal(secret),
        )
        audit_log_record(
            action=WebhookEndpoint.AuditAction.CREATED,
            actor=user,
            object_type="webhook_endpoint",
            object_id=endpoint.public_id,
            request_id=request_id,
            details={"url": url, "enabled_events": enabled_events},
        )
    logger.info("webhook_endpoint_created", webhook_endpoint=endpoint.public_id)
    return endpoint, secret


def endpoint_update(*, endpoint: WebhookEndpoint, request_id: str = "", **changes) -> WebhookEndpoint:
    """Change url (SSRF-checked again), enabled_events, description, metadata, or `disabled`.

    Enabling an endpoint clears its failure streak and the reason it was disabled.
    """
    if "url" in changes:
        ssrf.url_validate(changes["url"])
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        fields = []
        for name in ("url", "enabled_events", "description", "metadata"):
            if name in changes:
                setattr(endpoint, name, changes[name])
                fields.append(name)
        if "disabled" in changes:
            endpoint.status = WebhookEndpoint.Status.DISABLED if changes["disabled"] else WebhookEndpoint.Status.ENABLED
            endpoint.disabled_reason = "disabled by the user" if changes["disabled"] else ""
            endpoint.failing_since = None
            fields += ["status", "disabled_reason", "failing_since"]
        if fields:
            endpoint.save(update_fields=fields)
            audit_log_record(
                action=WebhookEndpoint.AuditAction.UPDATED,
                actor=endpoint.user,
                object_type="webhook_endpoint",
                object_id=endpoint.public_id,
                request_id=request_id,
                details={"fields": sorted(set(fields))},
            )
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint, request_id: str = "") -> None:
    """Delete the endpoint and its deliveries (pending ones are never sent)."""
    with transaction.atomic():
        audit_log_record(
            action=WebhookEndpoint.AuditAction.DELETED,
            actor=endpoint.user,
            object_type="webhook_endpoint",
            object_id=endpoint.public_id,
            request_id=request_id,
        )
        endpoint.delete()


def endpoint_secret_rotate(*, endpoint: WebhookEndpoint, request_id: str = "") -> tuple[WebhookEndpoint, str]:
    """Give the endpoint a new secret (returned once); deliveries are signed with both for 24 hours."""
    secret = secrets.secret_generate()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.sealed_previous_secret = endpoint.sealed_secret
        endpoint.previous_secret_expires_at = timezone.now() + SECRET_ROTATION_OVERLAP
        endpoint.sealed_secret = secrets.seal(secret)
        endpoint.save(update_fields=["sealed_secret", "sealed_previous_secret", "previous_secret_expires_at"])
        audit_log_record(
            action=WebhookEndpoint.AuditAction.SECRET_ROTATED,
            actor=endpoint.user,
            object_type="webhook_endpoint",
            object_id=endpoint.public_id,
            request_id=request_id,
        )
    return endpoint, secret


def endpoint_signing_secrets(endpoint: WebhookEndpoint, *, now: datetime | None = None) -> list[str]:
    """The secrets to sign with: the current one, and the previous one during its 24-hour overlap."""
    now = now or timezone.now()
    active = [secrets.unseal(endpoint.sealed_secret)]
    if (
        endpoint.sealed_previous_secret
        and endpoint.previous_secret_expires_at
        and endpoint.previous_secret_expires_at > now
    ):
        active.append(secrets.unseal(endpoint.sealed_previous_secret))
    return active


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> bool:
    """Disable an enabled endpoint and record `webhook_endpoint.disabled` for its owner, in the caller's
    transaction. Returns False (and records nothing) when it was already disabled.

    Its pending deliveries are not touched here (other workers may hold them); the worker cancels
    each one when it comes due and finds the endpoint disabled.
    """
    assert connection.in_atomic_block, "endpoint_disable() must run inside a transaction"
    updated = WebhookEndpoint.objects.filter(pk=endpoint.pk, status=WebhookEndpoint.Status.ENABLED).update(
        status=WebhookEndpoint.Status.DISABLED, disabled_reason=reason[:200]
    )
    if not updated:
        return False
    endpoint.refresh_from_db()
    event_record(user=endpoint.user, event_type=ENDPOINT_DISABLED_EVENT, data_object=endpoint_representation(endpoint))
    logger.warning("webhook_endpoint_disabled", webhook_endpoint=endpoint.public_id, reason=reason)
    return True


# --- Deliveries ---------------------------------------------------------------------


def event_resend(*, event: Event, endpoint: WebhookEndpoint | None = None) -> list[WebhookDelivery]:
    """Queue a fresh delivery of `event`, due now: to `endpoint` (which must be enabled), or to every
    enabled endpoint of the event's owner subscribed to its type (at least one, or
    `NoMatchingWebhookEndpoints`). Earlier deliveries are left as they are.
    """
    if endpoint is not None:
        if endpoint.status != WebhookEndpoint.Status.ENABLED:
            raise WebhookEndpointDisabled(param="webhook_endpoint")
        endpoints = [endpoint]
    else:
        enabled = WebhookEndpoint.objects.filter(user_id=event.user_id, status=WebhookEndpoint.Status.ENABLED)
        endpoints = _matching(enabled, event.type)
        if not endpoints:
            raise NoMatchingWebhookEndpoints()
    with transaction.atomic():
        deliveries = WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(event=event, endpoint=target, next_attempt_at=timezone.now()) for target in endpoints]
        )
    for delivery in deliveries:
        delivery.event = event
    return deliveries


def delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue a fresh delivery of the same event to the same endpoint (the admin's "resend" action)."""
    with transaction.atomic():
        return WebhookDelivery.objects.create(
            event_id=delivery.event_id, endpoint_id=delivery.endpoint_id, next_attempt_at=timezone.now()
        )


# --- Retention ----------------------------------------------------------------------


def events_prune(*, older_than: datetime, keep_unrelayed: bool, batch_size: int = 1000) -> int:
    """Delete events created before `older_than` (with their finished deliveries and attempts), in
    batches, except events with a delivery still pending and, when `keep_unrelayed`, events the
    relay has not published yet. Returns how many events were deleted.
    """
    pending = WebhookDelivery.objects.filter(event=OuterRef("pk"), status=WebhookDelivery.Status.PENDING)
    candidates = Event.objects.filter(created__lt=older_than).filter(~Exists(pending))
    if keep_unrelayed:
        candidates = candidates.filter(relayed_at__isnull=False)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(candidates.order_by("id").values_list("id", flat=True)[:batch_size])
            if not ids:
                return deleted
            Event.objects.filter(pk__in=ids).filter(~Exists(pending)).delete()
        deleted += len(ids)
