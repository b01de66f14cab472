"""The operators' screens: rule validation with error positions, lists, and the review queue actions."""

import pytest
from django.contrib.admin.sites import site
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import AuditLogEntry
from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from fraud.models import ListEntry, Review, Rule
from fraud.services import assess, register_review_handler, review_open
from payments_platform.api.errors import Conflict


@pytest.fixture
def open_review(user, make_context) -> Review:
    with transaction.atomic():
        return review_open(
            user=user,
            object_type="payment_intent",
            object_id="pi_9",
            assessment=assess(context=make_context(card_bin="400000", card_last4="9235")),
        )


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


def test_the_review_page_shows_amount_card_risk_factors_and_recent_activity(admin_client, open_review):
    response = admin_client.get(reverse("admin:fraud_review_change", args=[open_review.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "25.00 USD" in content and "Visa •••• 9235" in content
    assert "Why the score is high" in content and "Recent activity of" in content


def test_the_approve_action_closes_the_review_through_the_handler(admin_client, open_review, payment_handler):
    response = admin_client.post(
        reverse("admin:fraud_review_changelist"),
        {"action": "approve", "_selected_action": [open_review.pk], "confirm": "yes"},
    )
    assert response.status_code == 302
    open_review.refresh_from_db()
    assert open_review.status == Review.Status.APPROVED
    assert payment_handler.approved == ["pi_9"]


def test_the_reject_action_is_offered_to_staff_with_the_change_permission_only(db, user):
    staff = UserFactory(is_staff=True)
    client = Client()
    force_login_verified(client, staff)
    model_admin = site._registry[Review]
    request = type("Request", (), {"user": staff})()
    assert model_admin.has_close_permission(request) is False


def test_risk_models_are_read_only(admin_client):
    assert admin_client.get(reverse("admin:fraud_riskmodel_add")).status_code == 403


def test_a_handler_refusing_to_close_a_review_is_shown_as_an_admin_error_and_the_review_stays_open(
    admin_client, payment_handler, open_review
):
    def refuse(*, review) -> None:  # as payments' handler does while a capture is in flight
        raise Conflict("The payment is being captured; retry when it ends.", code="payment_intent_processing")

    register_review_handler(
        "payment_intent", on_approve=payment_handler.on_approve, on_reject=refuse, on_event=payment_handler.on_event
    )
    response = admin_client.post(
        reverse("admin:fraud_review_changelist"),
        {"action": "reject", "_selected_action": [open_review.pk], "confirm": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert any("payment_intent_processing" in message and open_review.public_id in message for message in shown)
    open_review.refresh_from_db()
    assert open_review.status == Review.Status.OPEN


def test_the_approve_action_asks_for_confirmation_first(admin_client, open_review, payment_handler):
    response = admin_client.post(
        reverse("admin:fraud_review_changelist"), {"action": "approve", "_selected_action": [open_review.pk]}
    )

    assert "Yes, approve" in response.content.decode()
    open_review.refresh_from_db()
    assert open_review.is_open and payment_handler.approved == []


def test_the_review_page_has_approve_and_reject_buttons_while_open(admin_client, open_review):
    page = admin_client.get(reverse("admin:fraud_review_change", args=[open_review.pk])).content.decode()

    assert reverse("admin:fraud_review_decide", args=[open_review.pk, "approve"]) in page
    assert reverse("admin:fraud_review_decide", args=[open_review.pk, "reject"]) in page


def test_approving_on_the_page_confirms_then_closes_with_the_operators_request_id_and_ip(
    admin_client, open_review, payment_handler
):
    url = reverse("admin:fraud_review_decide", args=[open_review.pk, "approve"])
    assert "Yes, approve" in admin_client.get(url).content.decode()

    admin_client.post(url, {"confirm": "yes"}, HTTP_X_REQUEST_ID="op-review-7")

    open_review.refresh_from_db()
    assert open_review.status == Review.Status.APPROVED
    assert payment_handler.approved == ["pi_9"]
    audit = AuditLogEntry.objects.get(action="fraud.review.approved")
    assert (audit.request_id, audit.ip) == ("op-review-7", "127.0.0.1")


def test_a_closed_review_says_who_closed_it_and_that_it_cannot_be_closed_again(
    admin_client, open_review, payment_handler
):
    url = reverse("admin:fraud_review_decide", args=[open_review.pk, "approve"])
    admin_client.post(url, {"confirm": "yes"})

    again = admin_client.post(reverse("admin:fraud_review_decide", args=[open_review.pk, "reject"]), {"confirm": "yes"})
    page = admin_client.get(reverse("admin:fraud_review_change", args=[open_review.pk])).content.decode()

    assert again.status_code == 409
    assert "cannot be closed again" in again.content.decode()
    assert "was approved by" in page and "Approve…" not in page
    open_review.refresh_from_db()
    assert open_review.status == Review.Status.APPROVED


def test_the_bulk_action_on_a_closed_review_gives_the_reason_instead_of_a_count(
    admin_client, open_review, payment_handler
):
    url = reverse("admin:fraud_review_changelist")
    admin_client.post(url, {"action": "approve", "_selected_action": [open_review.pk], "confirm": "yes"})

    response = admin_client.post(
        url, {"action": "approve", "_selected_action": [open_review.pk], "confirm": "yes"}, follow=True
    )

    shown = " ".join(str(message) for message in response.context["messages"])
    assert "cannot be closed again" in shown and "0 review" not in shown


def test_deciding_is_refused_inside_the_admin_to_staff_without_the_permission(open_review):
    client = Client()
    force_login_verified(client, UserFactory(is_staff=True))

    response = client.post(reverse("admin:fraud_review_decide", args=[open_review.pk, "approve"]), {"confirm": "yes"})

    assert response.status_code == 403
    assert "permission to change reviews" in response.content.decode()


def test_the_bulk_reject_action_closes_through_review_close_and_is_audited(admin_client, open_review, payment_handler):
    admin_client.post(
        reverse("admin:fraud_review_changelist"),
        {"action": "reject", "_selected_action": [open_review.pk], "confirm": "yes"},
        HTTP_X_REQUEST_ID="op-bulk-1",
    )

    assert payment_handler.rejected == ["pi_9"]
    audit = AuditLogEntry.objects.get(action="fraud.review.rejected")
    assert (audit.object_id, audit.request_id) == (open_review.public_id, "op-bulk-1")
