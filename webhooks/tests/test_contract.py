"""The event contract: a JSON Schema per event type, published, in the OpenAPI document, and enforced."""

import copy

import pytest
from django.conf import settings
from django.db import transaction
from jsonschema import Draft202012Validator

from webhooks.contract import EventSchemaViolation, event_check, event_schemas
from webhooks.models import Event

pytestmark = pytest.mark.django_db

# API.md's event types, and those other issues add in parallel (3-D Secure, reversals, disputes).
CONTRACT_TYPES = {
    "transfer.created",
    "transfer.reversed",
    "payment_intent.created",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.requires_capture",
    "payment_intent.requires_action",
    "payment_intent.canceled",
    "refund.created",
    "payout.paid",
    "payout.failed",
    "review.opened",
    "review.closed",
    "webhook_endpoint.disabled",
    "dispute.created",
    "dispute.funds_withdrawn",
    "dispute.updated",
    "dispute.funds_reinstated",
    "dispute.closed",
}


def transfer_event(user, **changes) -> Event:
    transfer = {
        "id": "tr_1",
        "object": "transfer",
        "amount": 500,
        "currency": "usd",
        "source_wallet": "wal_a",
        "destination_wallet": "wal_b",
        "description": "",
        "metadata": {},
        "status": "succeeded",
        "outcome": {"type": "authorized", "risk_level": "normal", "risk_score": 3, "rules": [], "reason": None},
        "created": 1_700_000_000,
    } | changes
    event = Event(public_id="evt_1", user=user, type="transfer.created", data={"object": transfer})
    event.created = event.created.replace(microsecond=0)
    return event


def dispute_as_api_md_shows_it() -> dict:
    return {
        "id": "dp_1",
        "object": "dispute",
        "amount": 1_000,
        "currency": "usd",
        "payment_intent": "pi_1",
        "reason": "fraudulent",
        "status": "needs_response",
        "evidence": {"uncategorized_text": None},
        "evidence_details": {"due_by": 1_700_000_000, "has_evidence": False, "submission_count": 0},
        "balance_transactions": ["txn_1"],
        "created": 1_700_000_000,
    }


def envelope(event_type: str, data_object: dict) -> dict:
    return {
        "id": "evt_1",
        "object": "event",
        "type": event_type,
        "created": 1_700_000_000,
        "livemode": False,
        "data": {"object": data_object},
        "request": {"id": None},
    }


def test_every_event_type_of_the_contract_has_a_schema():
    assert set(event_schemas()) >= CONTRACT_TYPES


@pytest.mark.parametrize("event_type", sorted(CONTRACT_TYPES))
def test_every_schema_is_a_valid_draft_2020_12_schema(event_type):
    Draft202012Validator.check_schema(event_schemas()[event_type])


def test_the_test_suite_checks_every_event_the_code_records():
    assert settings.EVENT_SCHEMA_CHECK is True


def test_a_transfer_event_as_the_code_records_it_matches_its_schema(user):
    event_check(transfer_event(user))


def test_an_event_whose_object_lacks_a_field_is_a_violation(user):
    event = transfer_event(user)
    del event.data["object"]["status"]

    with pytest.raises(EventSchemaViolation, match="status"):
        event_check(event)


def test_an_event_whose_object_has_an_undeclared_field_is_a_violation(user):
    with pytest.raises(EventSchemaViolation, match="nickname"):
        event_check(transfer_event(user, nickname="x"))


def test_an_event_whose_field_has_the_wrong_type_is_a_violation(user):
    with pytest.raises(EventSchemaViolation, match="amount"):
        event_check(transfer_event(user, amount="500"))


def test_an_event_type_without_a_schema_is_a_violation(user):
    event = transfer_event(user)
    event.type = "transfer.teleported"

    with pytest.raises(EventSchemaViolation, match="no JSON Schema"):
        event_check(event)


def test_transfer_reversed_requires_the_status_reversed(user):
    schema = Draft202012Validator(event_schemas()["transfer.reversed"])
    transfer = transfer_event(user).data["object"]

    assert not schema.is_valid(envelope("transfer.reversed", transfer))
    assert schema.is_valid(envelope("transfer.reversed", {**transfer, "status": "reversed"}))


def test_the_dispute_schema_accepts_the_dispute_object_of_the_contract():
    schema = Draft202012Validator(event_schemas()["dispute.created"])

    assert schema.is_valid(envelope("dispute.created", dispute_as_api_md_shows_it()))


def test_the_dispute_schema_refuses_an_unknown_status():
    schema = Draft202012Validator(event_schemas()["dispute.updated"])

    assert not schema.is_valid(envelope("dispute.updated", {**dispute_as_api_md_shows_it(), "status": "pending"}))


def test_the_schemas_are_published_without_authentication(api_client):
    response = api_client.get("/v1/events/schemas")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["object"] == "list"
    published = {item["type"]: item["schema"] for item in data["data"]}
    assert set(published) >= CONTRACT_TYPES
    assert published["refund.created"] == event_schemas()["refund.created"]


def test_the_openapi_document_carries_every_event_schema(api_client):
    components = api_client.get("/v1/schema").json()["components"]["schemas"]

    assert {f"Event.{event_type}" for event_type in CONTRACT_TYPES} <= set(components)
    assert "/v1/events/schemas" in api_client.get("/v1/schema").json()["paths"]


def test_event_record_refuses_a_bad_event_from_domain_code_and_nothing_is_kept(user):
    bad = copy.deepcopy(transfer_event(user).data["object"]) | {"amount": None}

    with pytest.raises(EventSchemaViolation, match="amount"), transaction.atomic():
        _record_as_domain_code(user, bad)

    assert not Event.objects.exists()


def _record_as_domain_code(user, data_object):
    """Call event_record from a frame whose module is not a test module, as a service would."""
    namespace = {"__name__": "wallets.services_probe"}
    exec(  # noqa: S102 - a one-line caller whose module name is domain code's
        "from webhooks.services import event_record\n"
        "def call(user, data):\n"
        "    return event_record(user=user, event_type='transfer.created', data_object=data)\n",
        namespace,
    )
    return namespace["call"](user, data_object)
