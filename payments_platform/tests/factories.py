"""factory_boy factories of the shared plumbing: stored idempotency keys and scheduler job runs."""

import factory
from django.utils import timezone

from payments_platform.models import IdempotencyKey, JobRun


class IdempotencyKeyFactory(factory.django.DjangoModelFactory):
    """A claimed key of a POST with no stored response yet."""

    class Meta:
        model = IdempotencyKey

    key = factory.Sequence(lambda n: f"key-{n}")
    request_method = "POST"
    request_path = "/v1/x"
    request_fingerprint = "f" * 64


class JobRunFactory(factory.django.DjangoModelFactory):
    """A run of a scheduled job that started now and succeeded."""

    class Meta:
        model = JobRun

    job = "process_payouts"
    started_at = factory.LazyFunction(timezone.now)
    outcome = JobRun.Outcome.SUCCEEDED
