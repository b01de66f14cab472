"""Fixtures of the webhooks tests: a real localhost receiver, private URLs allowed for it, an endpoint
pointing at it, and a sender with a 5 s timeout."""

import pytest

from webhooks.sender import Sender
from webhooks.tests.factories import WebhookEndpointFactory
from webhooks.tests.receiver import Receiver


@pytest.fixture
def allow_private_urls(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True


@pytest.fixture
def receiver(allow_private_urls):
    with Receiver() as running:
        yield running


@pytest.fixture
def endpoint(user, receiver):
    return WebhookEndpointFactory(user=user, url=receiver.url())


@pytest.fixture
def sender(settings):
    """A sender with a 5 s timeout, the same as the worker's under this test (`WEBHOOK_TIMEOUT_SECONDS`)."""
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    client = Sender(timeout_seconds=5)
    yield client
    client.close()
