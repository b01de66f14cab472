"""The one JSON shape of an event: the API, webhook bodies and NATS messages all use it."""

import orjson

from webhooks.models import Event


def event_payload(event: Event) -> dict:
    """`{id, object: "event", type, created, livemode, data: {object}, request: {id}}`, as Stripe shapes it."""
    return {
        "id": event.public_id,
        "object": "event",
        "type": event.type,
        "created": int(event.created.timestamp()),
        "livemode": False,
        "data": event.data,
        "request": {"id": event.request_id or None},
    }


def event_body(event: Event) -> bytes:
    """The exact bytes sent (and signed) for `event`: the same for every attempt and every consumer."""
    return orjson.dumps(event_payload(event))
