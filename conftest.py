"""Fixtures every app's tests use: an API client, a user, and a client logged in as them."""

import threading

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import UserFactory

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


def bearer(user) -> str:
    return f"Bearer {RefreshToken.for_user(user).access_token}"


def client_for(user) -> APIClient:
    """An API client authenticated as `user` (one per thread in the concurrency tests)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    return client


def run_in_threads(count: int, target, *, timeout: float = 60, return_errors: bool = False) -> list[BaseException]:
    """Run `target(index)` in `count` threads released together by a barrier, and wait for them.

    Each thread closes its own database connection when done. Fails the test if a thread is
    still running after `timeout` seconds (a deadlock). What the threads raised is returned with
    `return_errors=True`; otherwise the first of it is raised here.
    """
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            target(index)
        except BaseException as error:  # noqa: BLE001 - returned to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    if errors and not return_errors:
        raise errors[0]
    return errors


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
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(other_user))
    return client


@pytest.fixture
def admin_client(admin_user):
    """pytest-django's `admin_client`, signed in with both factors: the admin refuses a staff
    session without a verified TOTP device (accounts/second_factor.py)."""
    from django.test import Client

    from accounts.tests.second_factor import force_login_verified

    client = Client()
    force_login_verified(client, admin_user)
    return client
