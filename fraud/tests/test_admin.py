"""The operators' screens: rule validation with error positions, lists, and the review queue actions."""

import pytest
from django.contrib.admin.sites import site
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from fraud.models import ListEntry, Review, Rule
from fraud.services import assess, register_review_handler, review_open
from payments_platform.api.errors import Conflict


@pytest.fixture
def admin_client(db) -> Client:
    client = Client()
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_valid_rule_is_saved_with_its_action(admin_client):
    response = admin_client.post(
        reverse("admin:fraud_rule_add"),
        {"name": "big", "expression": "review if :amount_usd: > 5000", "reason": "", "position": 5, "enabled": "on"},
    )
    assert response.status_code == 302
    assert Rule.objects.get(name="big").action == "review"


def test_a_rule_that_does_not_parse_is_refused_with_its_error_position(admin_client):
    response = admin_client.post(
        reverse("admin:fraud_rule_add"),
        {"name": "bad", "expression": "block if :amount_usd: >> 5", "reason": "", "position": 5, "enabled": "on"},
    )
    assert response.status_code == 200
    assert "at position 23" in response.content.decode()
    assert not Rule.objects.filter(name="bad").exists()


def test_a_list_entry_is_normalized_when_saved(admin_client):
    response = admin_client.post(
        reverse("admin:fraud_listentry_add"),
        {"kind": "email", "list_action": "block", "value": " Fraud@Example.COM ", "reason": "chargebacks"},
    )
    assert response.status_code == 302
    assert ListEntry.objects.get().value == "fraud@example.com"


def test_an_invalid_ip_is_refused_on_the_list(admin_client):
    response = admin_client.post(
        reverse("admin:fraud_listentry_add"), {"kind": "ip", "list_action": "block", "value": "999.1.1.1"}
    )
    assert response.status_code == 200
    assert not ListEntry.objects.exists()


def test_the_review_page_shows_the_signals_and_the_users_recent_activity(admin_client, user, make_context):
    with transaction.atomic():
        review = review_open(
            user=user,
            object_type="payment_intent",
            object_id="pi_9",
            assessment=assess(context=make_context(card_bin="400000", card_last4="9235")),
        )
    response = admin_client.get(reverse("admin:fraud_review_change", args=[review.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "elevated_risk" in content and "recent activity" in content


def test_the_approve_action_closes_the_review_through_the_handler(admin_client, user, make_context, payment_handler):
    with transaction.atomic():
        review = review_open(
            user=user,
            object_type="payment_intent",
            object_id="pi_9",
            assessment=assess(context=make_context(card_bin="400000", card_last4="9235")),
        )
    response = admin_client.post(
        reverse("admin:fraud_review_changelist"), {"action": "approve", "_selected_action": [review.pk]}
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == Review.Status.APPROVED
    assert payment_handler.approved == ["pi_9"]


def test_the_reject_action_is_offered_to_staff_with_the_change_permission_only(db, user):
    staff = UserFactory(is_staff=True)
    client = Client()
    client.force_login(staff)
    model_admin = site._registry[Review]
    request = type("Request", (), {"user": staff})()
    assert model_admin.has_close_permission(request) is False


def test_risk_models_are_read_only(admin_client):
    assert admin_client.get(reverse("admin:fraud_riskmodel_add")).status_code == 403


def test_a_handler_refusing_to_close_a_review_is_shown_as_an_admin_error_and_the_review_stays_open(
    admin_client, user, make_context, payment_handler
):
    def refuse(review) -> None:  # as payments' handler does while a capture is in flight
        raise Conflict("The payment is being captured; retry when it ends.", code="payment_intent_processing")

    register_review_handler(
        "payment_intent", on_approve=payment_handler.on_approve, on_reject=refuse, on_event=payment_handler.on_event
    )
    with transaction.atomic():
        review = review_open(
            user=user,
            object_type="payment_intent",
            object_id="pi_9",
            assessment=assess(context=make_context(card_bin="400000", card_last4="9235")),
        )
    response = admin_client.post(
        reverse("admin:fraud_review_changelist"), {"action": "reject", "_selected_action": [review.pk]}, follow=True
    )
    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert any("payment_intent_processing" in message and review.public_id in message for message in shown)
    review.refresh_from_db()
    assert review.status == Review.Status.OPEN
