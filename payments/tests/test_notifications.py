"""Processor notifications: the endpoint that receives them, and the dispatcher that sends them over HTTP."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from ledger.models import JournalEntry
from payments.models import ConnectorNotification, Dispute, SimulatorNotification
from payments.notifications import connector_notification_secret
from payments.sandbox.notifications import processor_notifications_send, signed_request
from payments.tests.disputes_support import deliver, notification_for, paid_intent, platform_server  # noqa: F401
from webhooks.models import Event

LATER = timedelta(minutes=5)


@pytest.mark.django_db
def test_a_notification_with_a_bad_signature_is_a_400_and_nothing_happens(auth_client, api_client, user, wallet):
    notification = notification_for(paid_intent(auth_client, user, wallet))
    _, headers = signed_request(notification)
    headers["webhook-signature"] = "v1,aW52YWxpZHNpZ25hdHVyZWludmFsaWRzaWduYXR1cmU="
    response = deliver(api_client, notification, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "signature_invalid"
    assert not ConnectorNotification.objects.exists()
    assert not Dispute.objects.exists()


@pytest.mark.django_db
def test_a_notification_without_a_signature_is_a_400(auth_client, api_client, user, wallet):
    notification = notification_for(paid_intent(auth_client, user, wallet))
    _, headers = signed_request(notification)
    del headers["webhook-signature"]
    assert deliver(api_client, notification, headers=headers).status_code == 400
    assert not Dispute.objects.exists()


@pytest.mark.django_db
def test_a_body_changed_after_signing_is_a_400(auth_client, api_client, user, wallet):
    notification = notification_for(paid_intent(auth_client, user, wallet))
    body, _ = signed_request(notification)
    response = deliver(api_client, notification, body=body.replace(b"10000", b"99999"))
    assert response.status_code == 400
    assert not Dispute.objects.exists()


@pytest.mark.django_db
def test_a_notification_signed_with_another_connectors_secret_is_a_400(auth_client, api_client, user, wallet):
    notification = notification_for(paid_intent(auth_client, user, wallet))
    assert connector_notification_secret("simulator_a") != connector_notification_secret("simulator_b")
    body, headers = signed_request(notification)
    response = api_client.generic(
        "POST",
        "/v1/connectors/simulator_b/notifications",
        data=body,
        content_type="application/json",
        HTTP_WEBHOOK_ID=headers["webhook-id"],
        HTTP_WEBHOOK_TIMESTAMP=headers["webhook-timestamp"],
        HTTP_WEBHOOK_SIGNATURE=headers["webhook-signature"],
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_notification_for_an_unknown_connector_is_a_404(api_client):
    response = api_client.post("/v1/connectors/nope/notifications", {}, format="json")
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_configured_secret_is_the_one_that_verifies(settings, auth_client, api_client, user, wallet):
    settings.CONNECTOR_NOTIFICATION_SECRETS = {"simulator_a": "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
    notification = notification_for(paid_intent(auth_client, user, wallet))
    assert deliver(api_client, notification).status_code == 200
    assert Dispute.objects.count() == 1


@pytest.mark.django_db
def test_a_replayed_notification_is_a_200_and_happens_once(auth_client, api_client, user, wallet):
    notification = notification_for(paid_intent(auth_client, user, wallet))
    first = deliver(api_client, notification)
    second = deliver(api_client, notification)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.json()["data"]["replayed"], second.json()["data"]["replayed"]) == (False, True)
    assert Dispute.objects.count() == 1
    assert JournalEntry.objects.filter(kind="dispute_withdrawal").count() == 1
    assert Event.objects.filter(type="dispute.created").count() == 1


@pytest.mark.django_db
def test_a_notification_for_an_unknown_payment_is_recorded_unmatched_and_answered_200(
    auth_client, api_client, user, wallet
):
    notification = notification_for(paid_intent(auth_client, user, wallet))
    notification.payload["data"]["charge"] = "simulator_a_ch_not_ours"
    response = deliver(api_client, notification)
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "unmatched"
    recorded = ConnectorNotification.objects.get()
    assert recorded.status == "unmatched" and "simulator_a_ch_not_ours" in recorded.note
    assert not Dispute.objects.exists()


@pytest.mark.django_db
def test_a_malformed_dispute_notification_is_a_400_and_records_nothing(auth_client, api_client, user, wallet):
    notification = notification_for(paid_intent(auth_client, user, wallet))
    notification.payload["data"]["amount"] = "lots"
    response = deliver(api_client, notification)
    assert response.status_code == 400
    assert not ConnectorNotification.objects.exists()


@pytest.mark.django_db
def test_a_notification_of_another_type_is_recorded_and_ignored(auth_client, api_client, user, wallet):
    notification = notification_for(paid_intent(auth_client, user, wallet))
    notification.payload["type"] = "charge.settled"
    response = deliver(api_client, notification)
    assert response.status_code == 200
    assert ConnectorNotification.objects.get().status == "ignored"


@pytest.mark.django_db
def test_nothing_is_sent_before_it_is_due(auth_client, user, wallet):
    paid_intent(auth_client, user, wallet)
    assert processor_notifications_send(now=timezone.now() - timedelta(seconds=1)) == {"sent": 0, "failed": 0}


@pytest.mark.django_db(transaction=True)
def test_the_dispatcher_sends_a_due_dispute_over_http_and_the_dispute_opens(platform_server, user, wallet):  # noqa: F811
    from payments_platform.tests.support import client_for

    intent = paid_intent(client_for(user), user, wallet)
    counts = processor_notifications_send(now=timezone.now() + LATER)
    assert counts == {"sent": 1, "failed": 0}
    notification = SimulatorNotification.objects.get()
    assert notification.sent_at is not None and notification.last_status_code == 200
    dispute = Dispute.objects.get(intent=intent)
    assert dispute.status == "needs_response"
    assert processor_notifications_send(now=timezone.now() + LATER) == {"sent": 0, "failed": 0}


@pytest.mark.django_db(transaction=True)
def test_the_ruling_on_winning_evidence_is_sent_by_the_same_dispatcher(platform_server, user, wallet):  # noqa: F811
    from payments_platform.tests.support import client_for

    client = client_for(user)
    intent = paid_intent(client, user, wallet)
    processor_notifications_send(now=timezone.now() + LATER)
    dispute = Dispute.objects.get(intent=intent)
    response = client.post(
        f"/v1/disputes/{dispute.public_id}",
        {"evidence": {"uncategorized_text": "winning_evidence"}, "submit": True},
        format="json",
    )
    assert response.status_code == 200
    assert processor_notifications_send(now=timezone.now() + LATER) == {"sent": 1, "failed": 0}
    dispute.refresh_from_db()
    assert dispute.status == "won"


@pytest.mark.django_db(transaction=True)
def test_the_command_sends_what_is_due_once_and_says_so(platform_server, user, wallet):  # noqa: F811
    from payments_platform.tests.support import client_for

    paid_intent(client_for(user), user, wallet)
    SimulatorNotification.objects.update(due_at=timezone.now() - timedelta(seconds=1))
    out = io.StringIO()
    call_command("send_processor_notifications", "--once", stdout=out)
    assert out.getvalue().strip() == "sent 1, failed 0"
    assert Dispute.objects.count() == 1


@pytest.mark.django_db
def test_a_notification_the_platform_does_not_accept_is_retried_later(settings, auth_client, user, wallet):
    settings.CONNECTOR_NOTIFICATION_BASE_URL = "http://127.0.0.1:18499"  # nothing listens there
    paid_intent(auth_client, user, wallet)
    now = timezone.now() + LATER
    assert processor_notifications_send(now=now) == {"sent": 0, "failed": 1}
    notification = SimulatorNotification.objects.get()
    assert notification.sent_at is None and notification.attempts == 1 and notification.last_error
    assert notification.due_at > timezone.now()


@pytest.mark.django_db
def test_a_notification_refused_too_often_is_parked(settings, auth_client, user, wallet):
    settings.CONNECTOR_NOTIFICATION_BASE_URL = "http://127.0.0.1:18499"
    paid_intent(auth_client, user, wallet)
    SimulatorNotification.objects.update(attempts=23)
    processor_notifications_send(now=timezone.now() + LATER)
    notification = SimulatorNotification.objects.get()
    assert notification.due_at is None and notification.last_error.startswith("gave up after 24 attempts")
