"""docs/events.asyncapi.yaml: the NATS JetStream stream as an AsyncAPI 3.0 document, built from the
event contract (webhooks.contract), with each payload a `$ref` to its JSON Schema file
(docs/events/schemas/<type>.json). `manage.py export_event_contract` writes both; a test checks
they are what the code says and that the document is valid AsyncAPI 3.0.
"""

import json
from pathlib import Path

import yaml

from webhooks import conf
from webhooks.contract import event_schemas

SCHEMA_DIRECTORY = "events/schemas"  # relative to the AsyncAPI document

DESCRIPTION = """\
Every committed state change of the platform, published by `manage.py relay_events` to the
JetStream stream `{stream}` (subjects `{prefix}.<event type>`). The message body is the event JSON,
byte for byte the body of the webhook for the same event.

**Duplicates.** Each message carries the header `Nats-Msg-Id` = the event id (`evt_...`).
JetStream drops a re-publish with the same id inside the stream's duplicate window (one hour
by default), which covers a relay that crashed after publishing and before recording it. A
consumer must still deduplicate by the event id (a redelivery after a missed ack, a replay
of the stream, a re-publish after the window): examples/consumer/ does.

**Ordering.** Events are published in the order their transactions became visible, batch
by batch (id order within a batch), on one stream; one subject's messages keep that order.
Events of different objects have no causal order beyond that; a consumer that needs the
latest state of an object compares `created`, or fetches the object from the API.

**Delivery.** At least once. Nothing is published before its transaction commits; nothing
committed is lost (the outbox keeps it until the relay has published it).
"""


def _key(event_type: str) -> str:
    return event_type.replace(".", "_")


def asyncapi_document(*, stream: str | None = None, subject_prefix: str | None = None) -> dict:
    stream = stream or conf.nats_stream()
    prefix = subject_prefix or conf.nats_subject_prefix()
    schemas = event_schemas()
    channels, operations, messages = {}, {}, {}
    for event_type, schema in schemas.items():
        key = _key(event_type)
        channels[key] = {
            "address": f"{prefix}.{event_type}",
            "title": event_type,
            "description": schema.get("description", ""),
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
        }
        operations[f"receive_{key}"] = {
            "action": "receive",
            "title": f"Receive {event_type}",
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{key}"}],
        }
        messages[key] = {
            "name": event_type,
            "title": event_type,
            "summary": schema.get("description", ""),
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/NatsHeaders"},
            "payload": {"$ref": f"./{SCHEMA_DIRECTORY}/{event_type}.json"},
            "correlationId": {"$ref": "#/components/correlationIds/EventId"},
        }
    return {
        "asyncapi": "3.0.0",
        "id": "urn:payments-platform:events",
        "info": {
            "title": "Payments platform events",
            "version": "1.0.0",
            "description": DESCRIPTION.format(stream=stream, prefix=prefix),
        },
        "defaultContentType": "application/json",
        "servers": {
            "jetstream": {
                "host": "127.0.0.1:4222",
                "protocol": "nats",
                "description": f"NATS with JetStream (NATS_URL); stream `{stream}`, subjects `{prefix}.>`.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {
                "NatsHeaders": {
                    "type": "object",
                    "required": ["Nats-Msg-Id"],
                    "properties": {
                        "Nats-Msg-Id": {
                            "type": "string",
                            "pattern": "^evt_",
                            "description": "The event id: JetStream's deduplication key, and the consumer's.",
                        }
                    },
                }
            },
            "correlationIds": {
                "EventId": {
                    "description": "The event id, in the body and in Nats-Msg-Id.",
                    "location": "$message.payload#/id",
                }
            },
        },
    }


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks, so the document reads as it is written."""


_Dumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None),
)


def contract_files(*, directory: Path) -> dict[Path, str]:
    """{path: text} of the AsyncAPI document and every schema file, under `directory` (docs/); the
    document names the default stream and subjects (PAYMENTS, payments.events)."""
    document = asyncapi_document(stream="PAYMENTS", subject_prefix="payments.events")
    header = "# Generated by `python manage.py export_event_contract` from the event contract (webhooks.contract).\n"
    text = header + yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=100)
    files = {directory / "events.asyncapi.yaml": text}
    for event_type, schema in event_schemas().items():
        files[directory / SCHEMA_DIRECTORY / f"{event_type}.json"] = json.dumps(schema, indent=2) + "\n"
    return files
