"""Models of the shared plumbing: stored idempotency keys."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class IdempotencyKey(models.Model):
    """A POST's idempotency key and the response it produced, per user (or, for unauthenticated
    POSTs such as registration, per key alone: `user` is null).

    The row is inserted when the request starts and committed in the same database
    transaction as the request's effect, together with the response to replay. A
    request that fails validation (400) or crashes (500) rolls the row back with
    everything else, so the key can be used again.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Null for an unauthenticated POST: the key alone scopes it.",
    )
    key = models.CharField(max_length=255)
    request_method = models.CharField(max_length=10)
    request_path = models.CharField(max_length=2048)
    request_fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the canonical JSON body.")
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    locked_at = models.DateTimeField(
        null=True, help_text="Phased mode only: when a request last claimed this key and started running."
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user"),
            models.UniqueConstraint(
                fields=["key"], condition=Q(user__isnull=True), name="idempotency_key_unique_unauthenticated"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.request_method} {self.request_path})"
