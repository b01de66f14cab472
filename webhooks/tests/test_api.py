"""The events and webhook endpoints API, through HTTP."""

import base64

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditLogEntry
from payments_platform.models import IdempotencyKey
from webhooks import secrets
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import event_record
from webhooks.tests.factories import EventFactory, WebhookAttemptFactory, WebhookDeliveryFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db

NEW_ENDPOINT = {"url": "https://hooks.example.com/receive", "enabled_events": ["transfer.created"]}


def _data(response) -> dict:
    return response.json()["data"]


def _error(response) -> dict:
    return response.json()["error"]


# --- Endpoints ----------------------------------------------------------------------


def test_creating_an_endpoint_returns_its_secret_once(auth_client):
    response = auth_client.post("/v1/webhook_endpoints", NEW_ENDPOINT, format="json")

    assert response.status_code == 201
    endpoint = _data(response)
    assert endpoint["id"].startswith("we_")
    assert endpoint["object"] == "webhook_endpoint"
    assert endpoint["status"] == "enabled"
    assert endpoint["enabled_events"] == ["transfer.created"]
    assert endpoint["secret"].startswith("whsec_")
    assert len(base64.b64decode(endpoint["secret"].removeprefix("whsec_"))) == 32
    fetched = _data(auth_client.get(f"/v1/webhook_endpoints/{endpoint['id']}"))
    assert "secret" not in fetched
    assert "secret" not in _data(auth_client.get("/v1/webhook_endpoints"))["data"][0]


def test_the_secret_is_stored_sealed_not_in_plain_text(auth_client):
    secret = _data(auth_client.post("/v1/webhook_endpoints", NEW_ENDPOINT, format="json"))["secret"]

    stored = WebhookEndpoint.objects.get()
    assert secret not in stored.sealed_secret
    assert secrets.unseal(stored.sealed_secret) == secret


def test_an_idempotent_replay_of_a_create_does_not_store_or_replay_the_secret(auth_client):
    first = auth_client.post("/v1/webhook_endpoints", NEW_ENDPOINT, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    replay = auth_client.post("/v1/webhook_endpoints", NEW_ENDPOINT, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert _data(first)["secret"].startswith("whsec_")
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert _data(replay)["id"] == _data(first)["id"]
    assert _data(replay)["secret"] is None
    assert WebhookEndpoint.objects.count() == 1
    assert _data(first)["secret"] not in str(IdempotencyKey.objects.get().response_body)


def test_creating_an_endpoint_is_audit_logged(auth_client, user):
    endpoint_id = _data(auth_client.post("/v1/webhook_endpoints", NEW_ENDPOINT, format="json"))["id"]

    entry = AuditLogEntry.objects.get(action="webhook_endpoint.created")
    assert (entry.actor, entry.object_id) == (user, endpoint_id)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"url": "https://hooks.example.com/x", "enabled_events": []}, "enabled_events"),
        ({"url": "https://hooks.example.com/x", "enabled_events": ["Not A Type"]}, "enabled_events"),
        ({"url": "https://hooks.example.com/x", "enabled_events": "*"}, "enabled_events"),
        ({"enabled_events": ["*"]}, "url"),
        ({"url": "http://hooks.example.com/x", "enabled_events": ["*"]}, "url"),
        ({"url": "https://10.0.0.1/x", "enabled_events": ["*"]}, "url"),
    ],
)
def test_an_invalid_endpoint_is_rejected_with_its_param(auth_client, body, param):
    response = auth_client.post("/v1/webhook_endpoints", body, format="json")

    assert response.status_code == 400
    assert _error(response)["param"] == param
    assert not WebhookEndpoint.objects.exists()


def test_a_loopback_url_is_rejected_with_a_stable_code(auth_client):
    response = auth_client.post(
        "/v1/webhook_endpoints", {"url": "https://127.0.0.1/x", "enabled_events": ["*"]}, format="json"
    )

    assert response.status_code == 400
    assert _error(response)["code"] == "url_address_refused"


def test_patching_an_endpoint_changes_its_fields_and_can_disable_it(auth_client, user):
    endpoint = WebhookEndpointFactory(user=user)

    response = auth_client.patch(
        f"/v1/webhook_endpoints/{endpoint.public_id}",
        {"enabled_events": ["payout.paid"], "description": "ops", "disabled": True},
        format="json",
    )

    assert response.status_code == 200
    assert _data(response)["enabled_events"] == ["payout.paid"]
    assert _data(response)["description"] == "ops"
    assert _data(response)["status"] == "disabled"
    assert "secret" not in _data(response)


def test_patching_an_endpoint_url_runs_the_ssrf_checks_again(auth_client, user):
    endpoint = WebhookEndpointFactory(user=user)

    response = auth_client.patch(
        f"/v1/webhook_endpoints/{endpoint.public_id}", {"url": "https://169.254.169.254/latest"}, format="json"
    )

    assert response.status_code == 400
    assert _error(response)["param"] == "url"


def test_deleting_an_endpoint_removes_it(auth_client, user):
    endpoint = WebhookEndpointFactory(user=user)

    response = auth_client.delete(f"/v1/webhook_endpoints/{endpoint.public_id}")

    assert _data(response) == {"id": endpoint.public_id, "object": "webhook_endpoint", "deleted": True}
    assert not WebhookEndpoint.objects.exists()


def test_rotating_the_secret_returns_a_new_one_and_keeps_the_old_for_24_hours(auth_client, user):
    endpoint = WebhookEndpointFactory(user=user)

    response = auth_client.post(f"/v1/webhook_endpoints/{endpoint.public_id}/rotate_secret")

    new_secret = _data(response)["secret"]
    assert new_secret.startswith("whsec_")
    assert new_secret != endpoint.plain_secret
    endpoint.refresh_from_db()
    assert secrets.unseal(endpoint.sealed_previous_secret) == endpoint.plain_secret
    hours = (endpoint.previous_secret_expires_at - timezone.now()).total_seconds() / 3600
    assert 23.9 < hours <= 24


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("patch", ""), ("delete", ""), ("get", "/deliveries"), ("post", "/rotate_secret")],
)
def test_another_users_endpoint_is_a_404(other_client, user, method, suffix):
    endpoint = WebhookEndpointFactory(user=user)

    response = getattr(other_client, method)(f"/v1/webhook_endpoints/{endpoint.public_id}{suffix}", {}, format="json")

    assert response.status_code == 404
    assert WebhookEndpoint.objects.get().status == "enabled"


def test_the_endpoint_list_shows_only_the_users_endpoints_newest_first(auth_client, user, other_user):
    older = WebhookEndpointFactory(user=user)
    newer = WebhookEndpointFactory(user=user)
    WebhookEndpointFactory(user=other_user)

    page = _data(auth_client.get("/v1/webhook_endpoints"))

    assert [e["id"] for e in page["data"]] == [newer.public_id, older.public_id]
    assert page["object"] == "list"


def test_the_deliveries_list_shows_attempts_and_next_retry_in_a_fixed_number_of_queries(
    auth_client, user, django_assert_max_num_queries
):
    endpoint = WebhookEndpointFactory(user=user)
    for _ in range(5):
        delivery = WebhookDeliveryFactory(endpoint=endpoint)
        WebhookAttemptFactory(delivery=delivery, attempt_number=1, status_code=500, latency_ms=12, error="")
        WebhookAttemptFactory(
            delivery=delivery, attempt_number=2, status_code=None, latency_ms=15000, error="timeout after 15 s"
        )

    with django_assert_max_num_queries(6):
        response = auth_client.get(f"/v1/webhook_endpoints/{endpoint.public_id}/deliveries")

    page = _data(response)
    assert len(page["data"]) == 5
    first = page["data"][0]
    assert first["object"] == "webhook_delivery"
    assert first["webhook_endpoint"] == endpoint.public_id
    assert first["status"] == "pending"
    assert isinstance(first["next_attempt_at"], int)
    assert [(a["attempt"], a["status_code"], a["error"]) for a in first["attempts"]] == [
        (1, 500, ""),
        (2, None, "timeout after 15 s"),
    ]
    assert first["attempts"][1]["latency_ms"] == 15000


# --- Events -------------------------------------------------------------------------


def test_an_event_has_the_contract_shape(auth_client, user):
    with transaction.atomic():
        event = event_record(user=user, event_type="transfer.created", data_object={"id": "tr_1"}, request_id="r-1")

    body = _data(auth_client.get(f"/v1/events/{event.public_id}"))

    assert body == {
        "id": event.public_id,
        "object": "event",
        "type": "transfer.created",
        "created": int(event.created.timestamp()),
        "livemode": False,
        "data": {"object": {"id": "tr_1"}},
        "request": {"id": "r-1"},
    }


def test_another_users_event_is_a_404(other_client, user):
    event = EventFactory(user=user)

    assert other_client.get(f"/v1/events/{event.public_id}").status_code == 404
    assert other_client.post(f"/v1/events/{event.public_id}/resend", {}, format="json").status_code == 404


def test_the_event_list_is_the_users_newest_first_and_filters_by_type(auth_client, user, other_user):
    transfer = EventFactory(user=user, type="transfer.created")
    payout = EventFactory(user=user, type="payout.paid")
    EventFactory(user=other_user, type="transfer.created")

    assert [e["id"] for e in _data(auth_client.get("/v1/events"))["data"]] == [payout.public_id, transfer.public_id]
    by_type = _data(auth_client.get("/v1/events?type=transfer.created"))["data"]
    assert [e["id"] for e in by_type] == [transfer.public_id]
    by_prefix = _data(auth_client.get("/v1/events?type=payout.*"))["data"]
    assert [e["id"] for e in by_prefix] == [payout.public_id]


def test_the_event_list_pages_with_cursors(auth_client, user):
    events = [EventFactory(user=user) for _ in range(5)]

    first = _data(auth_client.get("/v1/events?limit=2"))
    second = _data(auth_client.get(f"/v1/events?limit=2&starting_after={first['data'][-1]['id']}"))

    assert first["has_more"] is True
    assert [e["id"] for e in first["data"] + second["data"]] == [e.public_id for e in reversed(events)][:4]


def test_resending_an_event_queues_a_fresh_delivery_to_each_matching_endpoint(auth_client, user):
    event = EventFactory(user=user, type="transfer.created")
    matching = WebhookEndpointFactory(user=user, enabled_events=["transfer.created"])
    WebhookEndpointFactory(user=user, enabled_events=["payout.paid"])

    response = auth_client.post(f"/v1/events/{event.public_id}/resend", {}, format="json")

    assert response.status_code == 200
    [delivery] = _data(response)["data"]
    assert delivery["webhook_endpoint"] == matching.public_id
    assert delivery["event"] == event.public_id
    assert WebhookDelivery.objects.get().status == "pending"


def test_resending_to_one_endpoint_queues_only_that_one(auth_client, user):
    event = EventFactory(user=user)
    WebhookEndpointFactory(user=user)
    chosen = WebhookEndpointFactory(user=user)

    response = auth_client.post(
        f"/v1/events/{event.public_id}/resend", {"webhook_endpoint": chosen.public_id}, format="json"
    )

    assert [d["webhook_endpoint"] for d in _data(response)["data"]] == [chosen.public_id]


def test_resending_to_another_users_endpoint_is_a_404_on_that_param(auth_client, user, other_user):
    event = EventFactory(user=user)
    theirs = WebhookEndpointFactory(user=other_user)

    response = auth_client.post(
        f"/v1/events/{event.public_id}/resend", {"webhook_endpoint": theirs.public_id}, format="json"
    )

    assert response.status_code == 404
    assert _error(response)["param"] == "webhook_endpoint"
    assert not WebhookDelivery.objects.exists()


def test_resending_to_a_disabled_endpoint_is_refused(auth_client, user):
    event = EventFactory(user=user)
    disabled = WebhookEndpointFactory(user=user, status="disabled")

    response = auth_client.post(
        f"/v1/events/{event.public_id}/resend", {"webhook_endpoint": disabled.public_id}, format="json"
    )

    assert response.status_code == 400
    assert _error(response)["code"] == "webhook_endpoint_disabled"


def test_resending_with_no_matching_endpoint_is_refused(auth_client, user):
    event = EventFactory(user=user)

    response = auth_client.post(f"/v1/events/{event.public_id}/resend", {}, format="json")

    assert response.status_code == 400
    assert _error(response)["code"] == "webhook_endpoints_none_matching"


def test_events_require_authentication(api_client):
    assert api_client.get("/v1/events").status_code == 401
    assert api_client.get("/v1/webhook_endpoints").status_code == 401
