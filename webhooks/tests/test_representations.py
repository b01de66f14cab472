"""The endpoint's event representation equals what the API answers for it, without the API layer."""

import pytest

from webhooks.models import WebhookEndpoint
from webhooks.representations import endpoint_representation
from webhooks.serializers import WebhookEndpointOutput
from webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


def test_an_endpoints_representation_equals_its_api_output():
    endpoint = WebhookEndpointFactory(description="Ünïcode 🧾", metadata={"team": "ops"})

    assert endpoint_representation(endpoint) == dict(WebhookEndpointOutput(endpoint).data)


def test_a_disabled_endpoints_representation_equals_its_api_output_and_never_holds_the_secret():
    endpoint = WebhookEndpointFactory()
    endpoint.status, endpoint.disabled_reason = WebhookEndpoint.Status.DISABLED, "failing for five days"
    endpoint.save()

    shape = endpoint_representation(endpoint)

    assert shape == dict(WebhookEndpointOutput(endpoint).data)
    assert "secret" not in shape and "sealed_secret" not in shape
