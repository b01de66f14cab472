"""The event contract: one JSON Schema (draft 2020-12) per event type, the seam a separate service
consumes (webhook bodies and NATS messages are the same JSON, `webhooks.events.event_payload`).

Each app declares the events it emits in its own `event_schemas.py`, beside the code that emits
them: `EVENT_SCHEMAS = {type: {"object": <output serializer or JSON Schema>, "status": <the
object's status in that event, optional>, "description": str}}`. This module finds those modules
(webhooks imports no app above it), derives each serializer's schema from the OpenAPI document's
component (so an event's object is exactly the API's object), wraps it in the event envelope and
makes it strict: every property required, no other property allowed.

Published at GET /v1/events/schemas and in the OpenAPI document (`openapi_event_components`).
With `EVENT_SCHEMA_CHECK` on (the test suite), `event_record` validates every event the domain
code writes (`event_check`), so a schema cannot drift from the code.
"""

import copy
import importlib
import importlib.util
import sys
from functools import cache

from django.apps import apps
from jsonschema import Draft202012Validator

from webhooks.events import event_payload

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_COMPONENTS = "#/components/schemas/"


class EventSchemaViolation(AssertionError):
    """An event does not match its type's schema, or its type has none (raised only with EVENT_SCHEMA_CHECK)."""


def declared_event_types() -> dict[str, dict]:
    """Every app's EVENT_SCHEMAS, merged: {type: declaration}."""
    declared: dict[str, dict] = {}
    for config in apps.get_app_configs():
        name = f"{config.name}.event_schemas"
        if importlib.util.find_spec(name) is None:
            continue
        declared.update(importlib.import_module(name).EVENT_SCHEMAS)
    return dict(sorted(declared.items()))


def _strict(schema: dict) -> dict:
    """Output objects carry every field they declare and nothing else."""
    if schema.get("type") == "object" and "properties" in schema:
        schema["required"] = sorted(schema["properties"])
        schema.setdefault("additionalProperties", False)
    return schema


def _object_schema(declaration: dict, components: dict, *, narrow_status: bool = True) -> tuple[dict, dict]:
    """(the schema of `data.object`, the components it needs, by name). `narrow_status`: the
    object's `status` is pinned to the event's (the published JSON Schemas); the OpenAPI copy says
    it in words instead, because client generators cannot combine an enum with a `const`."""
    target = declaration["object"]
    if isinstance(target, dict):
        object_schema, needed = copy.deepcopy(target), {}
    else:
        component = target.__name__
        if component not in components:
            raise LookupError(f"{component} is not in the OpenAPI document: is it the response of an API view?")
        object_schema, needed = {"$ref": _COMPONENTS + component}, _referenced(component, components)
    if declaration.get("status"):
        if narrow_status:
            object_schema = {"allOf": [object_schema, {"properties": {"status": {"const": declaration["status"]}}}]}
        else:
            object_schema = {"allOf": [object_schema], "description": f"Its status is {declaration['status']}."}
    return object_schema, needed


def _referenced(name: str, components: dict) -> dict:
    found: dict[str, dict] = {}
    pending = [name]
    while pending:
        current = pending.pop()
        if current in found:
            continue
        found[current] = _strict(copy.deepcopy(components[current]))
        pending += [ref[len(_COMPONENTS) :] for ref in _refs(components[current])]
    return found


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) and node["$ref"].startswith(_COMPONENTS) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


def _rewrite_refs(node, prefix: str):
    if isinstance(node, dict):
        return {
            key: (
                prefix + value[len(_COMPONENTS) :]
                if key == "$ref" and value.startswith(_COMPONENTS)
                else _rewrite_refs(value, prefix)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item, prefix) for item in node]
    return node


def _envelope(event_type: str, declaration: dict, object_schema: dict) -> dict:
    return {
        "title": event_type,
        "description": declaration.get("description", ""),
        "type": "object",
        "required": ["id", "object", "type", "created", "livemode", "data", "request"],
        "properties": {
            "id": {"type": "string", "pattern": "^evt_", "description": "Stable: the Nats-Msg-Id and webhook-id."},
            "object": {"const": "event"},
            "type": {"const": event_type},
            "created": {"type": "integer", "description": "Unix seconds."},
            "livemode": {"type": "boolean"},
            "data": {
                "type": "object",
                "required": ["object"],
                "properties": {"object": object_schema},
                "additionalProperties": False,
            },
            "request": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": ["string", "null"], "description": "The API request that caused it."}},
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    }


def build_event_schemas(components: dict) -> dict[str, dict]:
    """{type: a self-contained JSON Schema of that event}, the objects' components under `$defs`."""
    schemas = {}
    for event_type, declaration in declared_event_types().items():
        object_schema, needed = _object_schema(declaration, components)
        schema = {"$schema": SCHEMA_DIALECT, "$id": f"urn:payments-platform:event:{event_type}"}
        schema |= _rewrite_refs(_envelope(event_type, declaration, object_schema), "#/$defs/")
        if needed:
            schema["$defs"] = _rewrite_refs(needed, "#/$defs/")
        schemas[event_type] = schema
    return schemas


@cache
def event_schemas() -> dict[str, dict]:
    """The published schemas (built once per process from the OpenAPI document's components)."""
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    return build_event_schemas(document["components"]["schemas"])


def openapi_event_components(result, generator, request, public):
    """drf-spectacular postprocessing hook: each event's schema as component `Event.<type>`."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    for event_type, declaration in declared_event_types().items():
        object_schema, needed = _object_schema(declaration, components, narrow_status=False)
        components[f"Event.{event_type}"] = _envelope(event_type, declaration, object_schema)
        for name, schema in needed.items():
            components.setdefault(name, schema)
    return result


@cache
def _validator(event_type: str) -> Draft202012Validator:
    return Draft202012Validator(event_schemas()[event_type])


def event_check(event) -> None:
    """Raise EventSchemaViolation unless `event`'s payload matches its type's schema."""
    if event.type not in event_schemas():
        raise EventSchemaViolation(f"{event.type!r} has no JSON Schema: declare it in its app's event_schemas.py")
    errors = sorted(_validator(event.type).iter_errors(event_payload(event)), key=lambda error: list(error.path))
    if errors:
        details = "; ".join(f"{'/'.join(map(str, error.path)) or '(root)'}: {error.message}" for error in errors[:5])
        raise EventSchemaViolation(f"{event.type} event does not match its schema: {details}")


def recorded_by_domain_code(depth: int = 2) -> bool:
    """Whether the caller of `event_record` is domain code, not a test that records a made-up payload to
    exercise the outbox itself (those are outside the contract)."""
    module = sys._getframe(depth).f_globals.get("__name__", "")
    return ".tests." not in f".{module}."
