"""Events (the transactional outbox), webhook endpoints, deliveries and their attempts."""

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from payments_platform.api.ids import PublicIdField


class Event(models.Model):
    """One state change, as the API showed the object at that moment, owned by the user it concerns.

    Written by `event_record` in the transaction of the change it describes, so an event
    exists exactly when its change committed. `relayed_at` is null until `relay_events`
    has published the event to NATS JetStream (a partial index keeps that backlog cheap).
    """

    public_id = PublicIdField(prefix="evt")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=100)
    data = models.JSONField(help_text='{"object": {...}}: the API representation of the object.')
    request_id = models.CharField(max_length=128, blank=True, default="")
    created = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    relayed_at = models.DateTimeField(null=True, blank=True, help_text="When relay_events published it to NATS.")

    class Meta:
        indexes = [
            models.Index(fields=["user", "id"], name="event_user_id"),
            models.Index(fields=["user", "type", "id"], name="event_user_type_id"),
            models.Index(fields=["id"], condition=Q(relayed_at__isnull=True), name="event_unrelayed"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.type}"


class WebhookEndpoint(models.Model):
    """A user's HTTPS URL that receives signed events of the types it subscribed to.

    The signing secret is stored sealed (see `webhooks.secrets`): the server needs it to
    sign, but it is shown only once, in the create and rotate responses.
    """

    class Status(models.TextChoices):
        ENABLED = "enabled"
        DISABLED = "disabled"

    class AuditAction(StrEnum):
        """What the audit log records of an endpoint (`AuditLogEntry.action`)."""

        CREATED = "webhook_endpoint.created"
        UPDATED = "webhook_endpoint.updated"
        DELETED = "webhook_endpoint.deleted"
        SECRET_ROTATED = "webhook_endpoint.secret_rotated"  # noqa: S105 - an audit action, not a secret

    public_id = PublicIdField(prefix="we")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=2048)
    description = models.CharField(max_length=500, blank=True, default="")
    enabled_events = models.JSONField(default=list, help_text='["*"] or a list of event types.')
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ENABLED)
    disabled_reason = models.CharField(max_length=200, blank=True, default="")
    sealed_secret = models.TextField(editable=False)
    sealed_previous_secret = models.TextField(blank=True, default="", editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="Start of the current run of failed attempts; cleared by a success."
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["user", "status"], name="endpoint_user_status")]

    def __str__(self) -> str:
        return f"{self.public_id} {self.url}"


class WebhookDelivery(models.Model):
    """One event to send to one endpoint, retried on the Standard Webhooks schedule until it ends."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELED = "canceled"

    public_id = PublicIdField(prefix="whd")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="delivery_due"),
            models.Index(fields=["endpoint", "id"], name="delivery_endpoint_id"),
        ]

    def __str__(self) -> str:
        return self.public_id


class WebhookAttempt(models.Model):
    """One HTTP POST of a delivery: what came back, how long it took, or why it failed."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    attempt_number = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, default="", help_text="The first 1,000 characters.")
    error = models.CharField(max_length=500, blank=True, default="")
    succeeded = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["delivery_id", "attempt_number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "attempt_number"], name="attempt_unique_per_delivery")
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.attempt_number}"
