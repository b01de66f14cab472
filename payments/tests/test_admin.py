"""Admin: payment methods, intents (attempts inline), refunds, settlement records, read-only."""

import pytest
from django.urls import reverse

from accounts.models import AuditLogEntry
from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from payments.models import PaymentIntent, Refund
from payments.tests.support import create_intent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    force_login_verified(client, admin)
    return client


@pytest.mark.parametrize(
    "model", ["paymentmethod", "paymentintent", "refund", "settlementrecord", "threedsecuresession"]
)
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


def test_a_three_d_secure_session_page_shows_its_intent_and_never_the_token_hash(
    admin_client, auth_client, user, wallet
):
    from payments.models import ThreeDSecureSession
    from payments.tests.factories import payment_method

    method = payment_method(user, "4000002760003184")
    create_intent(auth_client, wallet, method, confirm=True)
    session = ThreeDSecureSession.objects.get()
    page = admin_client.get(reverse("admin:payments_threedsecuresession_change", args=[session.pk]))
    assert page.status_code == 200
    assert session.intent.public_id in page.content.decode()
    assert session.token_hash not in page.content.decode()


# --- an operator's refund from the admin -------------------------------------------------------


@pytest.fixture
def paid(user, wallet, visa):
    from payments.services import payment_intent_create

    return payment_intent_create(
        user=user, amount=10_000, currency="usd", wallet=wallet.public_id, payment_method=visa.public_id, confirm=True
    )


@pytest.fixture
def operator_client(client):
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_refund_page_shows_what_will_move_and_moves_nothing(operator_client, paid, wallet):
    page = operator_client.get(f"/admin/payments/paymentintent/{paid.pk}/refund/", {"amount": 2_500}).content.decode()

    assert "What will move" in page and "25.00 USD" in page
    assert wallet.public_id in page and "connector:simulator_a:receivable:usd" in page
    assert not Refund.objects.exists()


def test_a_confirmed_operator_refund_is_written_with_the_operator_request_id_and_ip(operator_client, paid):
    response = operator_client.post(
        f"/admin/payments/paymentintent/{paid.pk}/refund/",
        {"amount": 2_500, "reason": "requested_by_customer", "confirm": "yes"},
        HTTP_X_REQUEST_ID="op-refund-1",
        follow=True,
    )

    refund = Refund.objects.get()
    assert (refund.amount, refund.reason) == (2_500, "requested_by_customer")
    assert refund.entry.request_id == "op-refund-1" and refund.entry.created_by.is_staff
    audit = AuditLogEntry.objects.get(action="payments.refund.issued")
    assert (audit.object_id, audit.request_id, audit.ip) == (paid.public_id, "op-refund-1", "127.0.0.1")
    assert f"Refund {refund.public_id}" in response.content.decode()


def test_an_operator_refund_above_what_remains_is_refused_with_the_reason(operator_client, paid):
    response = operator_client.post(
        f"/admin/payments/paymentintent/{paid.pk}/refund/", {"amount": 10_001, "confirm": "yes"}
    )

    assert response.status_code == 409
    assert "between 1 and the 10000 minor units" in response.content.decode()
    assert not Refund.objects.exists()
