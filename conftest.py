"""Fixtures every app's tests use: an API client, a user, and a client logged in as them."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from payments_platform.tests.support import client_for

pytest_plugins = ["webhooks.tests.ssrf_fixtures"]


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
    return client_for(user)


@pytest.fixture
def other_client(other_user) -> APIClient:
    return client_for(other_user)


@pytest.fixture
def admin_client(admin_user):
    """pytest-django's `admin_client`, signed in with both factors: the admin refuses a staff
    session without a verified TOTP device (accounts/second_factor.py)."""
    from django.test import Client

    from accounts.tests.second_factor import force_login_verified

    client = Client()
    force_login_verified(client, admin_user)
    return client
