"""Helpers every app's tests use: a bearer header, an authenticated API client, and threads released together.

The root `conftest.py` keeps the fixtures (`api_client`, `user`, `auth_client`, ...) and imports these.
"""

import threading

from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken


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
