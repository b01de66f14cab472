"""Fixtures every app's tests use: an API client, a user, and a client logged in as them."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """bcrypt at 2**4 rounds: same algorithm, a fraction of the cost (production uses 2**12)."""
    settings.PASSWORD_HASHERS = ["accounts.tests.hashers.FastBCryptSHA256PasswordHasher"]


@pytest.fixture(autouse=True)
def _static_files_without_manifest(settings):
    """Admin pages render with DEBUG off without a collectstatic run (production uses the manifest)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttling and velocity counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def bearer(user) -> str:
    return f"Bearer {RefreshToken.for_user(user).access_token}"


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def auth_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    return client


@pytest.fixture
def other_client(other_user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(other_user))
    return client
