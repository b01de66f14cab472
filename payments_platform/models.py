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


class JobRun(models.Model):
    """One run of a periodic job by the scheduler (`manage.py run_scheduler`): when, how it ended.

    Inserted as `running` when the job starts and finished in place; a row left `running`
    with no `finished_at` is a run whose scheduler died mid-job. The last run per job is
    `payments_platform.selectors.job_last_runs()`.
    """

    class Outcome(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    job = models.CharField(max_length=100, db_index=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    detail = models.TextField(blank=True, default="", help_text="The end of the command's output, or the error.")

    class Meta:
        indexes = [models.Index(fields=["job", "-started_at"], name="job_run_job_started")]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M:%S} {self.outcome}"

    @property
    def seconds(self) -> float | None:
        """How long the run took, or None while it is running."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
