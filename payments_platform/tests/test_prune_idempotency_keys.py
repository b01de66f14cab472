from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from payments_platform.models import IdempotencyKey
from payments_platform.tests.factories import IdempotencyKeyFactory


def _key(user, key: str, age: timedelta) -> IdempotencyKey:
    stored = IdempotencyKeyFactory(user=user, key=key)
    IdempotencyKey.objects.filter(pk=stored.pk).update(created=timezone.now() - age)
    return stored


def test_prune_deletes_keys_older_than_a_day_and_keeps_younger_ones(user):
    _key(user, "old", timedelta(hours=25))
    _key(user, "young", timedelta(hours=23))

    call_command("prune_idempotency_keys")

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["young"]


def test_prune_refuses_a_window_shorter_than_the_contracts_24_hours(db):
    with pytest.raises(CommandError):
        call_command("prune_idempotency_keys", "--older-than-hours", "1")
