"""Fixtures of the webhooks tests: a real localhost receiver, and private URLs allowed for it."""

import pytest

from webhooks.tests.receiver import Receiver


@pytest.fixture
def allow_private_urls(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True


@pytest.fixture
def receiver(allow_private_urls):
    with Receiver() as running:
        yield running
