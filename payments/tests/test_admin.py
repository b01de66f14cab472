"""Admin: payment methods, intents (attempts inline), refunds, settlement records, read-only."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from payments.models import PaymentIntent
from payments.tests.conftest import create_intent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    force_login_verified(client, admin)
    return client


@pytest.mark.parametrize("model", ["paymentmethod", "paymentintent", "refund", "settlementrecord"])
def test_the_admin_lists_render_and_allow_no_add(admin_client, model):
    assert admin_client.get(reverse(f"admin:payments_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:payments_{model}_add")).status_code == 403


def test_an_intent_page_shows_its_attempts(admin_client, auth_client, user, wallet):
    from payments.tests.factories import CARDS, payment_method

    method = payment_method(user, CARDS["processing_error"])
    pi = create_intent(auth_client, wallet, method, confirm=True).json()["data"]["id"]
    intent = PaymentIntent.objects.get(public_id=pi)
    page = admin_client.get(reverse("admin:payments_paymentintent_change", args=[intent.pk])).content.decode()
    assert "simulator_a" in page and "simulator_b" in page and "processing_error" in page


def test_the_schema_documents_the_payments_endpoints(api_client):
    response = api_client.get("/v1/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"] if "paths" in response.json() else response.json()["data"]["paths"]
    for path in (
        "/v1/payment_methods",
        "/v1/payment_intents",
        "/v1/payment_intents/{id}/confirm",
        "/v1/payment_intents/{id}/capture",
        "/v1/payment_intents/{id}/cancel",
        "/v1/refunds",
        "/v1/refunds/{id}",
    ):
        assert path in paths
