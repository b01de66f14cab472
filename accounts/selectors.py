"""Reads of the accounts context; each is scoped to its owner (another user's key is a 404)."""

from django.db.models import QuerySet

from accounts.errors import ApiKeyMissing
from accounts.models import ApiKey, User


def api_key_list(*, user: User) -> QuerySet[ApiKey]:
    """The user's keys that are not revoked (expired ones included, until they are revoked)."""
    return ApiKey.objects.filter(user=user, revoked_at__isnull=True)


def api_key_get(*, user: User, public_id: str) -> ApiKey:
    key = api_key_list(user=user).filter(public_id=public_id).first()
    if key is None:
        raise ApiKeyMissing(f"No such API key: {public_id!r}.", param="id")
    return key
