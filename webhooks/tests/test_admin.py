"""The operators' admin pages: they render, never show a secret, and resend."""

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from webhooks.models import WebhookDelivery
from webhooks.tests.factories import WebhookAttemptFactory, WebhookDeliveryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_pages_render_without_any_secret(admin_client):
    delivery = WebhookDeliveryFactory()
    WebhookAttemptFactory(delivery=delivery, attempt_number=1, status_code=500, latency_ms=3)
    endpoint = delivery.endpoint
    pages = [
        "/admin/webhooks/webhookendpoint/",
        f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/",
        "/admin/webhooks/event/",
        f"/admin/webhooks/event/{delivery.event.pk}/change/",
        "/admin/webhooks/webhookdelivery/",
        f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/",
        "/admin/webhooks/webhookattempt/",
    ]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
        assert endpoint.plain_secret.encode() not in response.content
        assert endpoint.sealed_secret.encode() not in response.content


def test_the_resend_action_queues_a_fresh_delivery(admin_client):
    delivery = WebhookDeliveryFactory(status="failed")

    response = admin_client.post(
        "/admin/webhooks/webhookdelivery/", {"action": "resend", "_selected_action": [delivery.pk]}
    )

    assert response.status_code == 302
    fresh = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert (fresh.event_id, fresh.endpoint_id, fresh.status) == (delivery.event_id, delivery.endpoint_id, "pending")
