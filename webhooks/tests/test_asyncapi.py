"""docs/events.asyncapi.yaml and docs/events/schemas/: valid AsyncAPI 3.0, and exactly what the code says."""

import json
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from jsonschema import Draft7Validator

from webhooks.asyncapi import contract_files
from webhooks.contract import event_schemas

DOCS = Path(settings.BASE_DIR) / "docs"
DOCUMENT = DOCS / "events.asyncapi.yaml"
ASYNCAPI_SCHEMA = Path(__file__).with_name("asyncapi") / "asyncapi-3.0.0.schema.json"


@pytest.fixture(scope="module")
def document() -> dict:
    return yaml.safe_load(DOCUMENT.read_text())


def test_the_document_is_valid_asyncapi_3(document):
    validator = Draft7Validator(json.loads(ASYNCAPI_SCHEMA.read_text()))

    errors = [f"{'/'.join(map(str, error.path))}: {error.message}" for error in validator.iter_errors(document)]

    assert errors == []


def test_the_validation_refuses_a_broken_document(document):
    broken = {**document, "channels": {"x": {"address": 5}}}

    assert not Draft7Validator(json.loads(ASYNCAPI_SCHEMA.read_text())).is_valid(broken)


def test_every_event_type_has_a_channel_on_its_subject(document):
    addresses = {channel["address"] for channel in document["channels"].values()}

    assert addresses == {f"payments.events.{event_type}" for event_type in event_schemas()}


def test_every_message_payload_refers_to_the_published_schema_of_its_type(document):
    for message in document["components"]["messages"].values():
        path = (DOCUMENT.parent / message["payload"]["$ref"]).resolve()

        assert json.loads(path.read_text()) == event_schemas()[message["name"]]


def test_every_message_declares_the_nats_msg_id_header(document):
    headers = document["components"]["schemas"]["NatsHeaders"]

    assert headers["required"] == ["Nats-Msg-Id"]
    assert all(
        m["headers"]["$ref"] == "#/components/schemas/NatsHeaders" for m in document["components"]["messages"].values()
    )


def test_the_document_states_the_ordering_and_duplicate_semantics(document):
    description = document["info"]["description"]

    assert "**Duplicates.**" in description
    assert "**Ordering.**" in description


def test_the_committed_files_are_what_export_event_contract_writes_today():
    """So a changed serializer or event_schemas.py cannot leave docs/ behind: rerun the command."""
    for path, text in contract_files(directory=DOCS).items():
        assert path.read_text() == text, f"{path} is stale: run `python manage.py export_event_contract`"
