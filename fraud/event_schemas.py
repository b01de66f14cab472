"""The events about fraud reviews and the `review` object they carry (`fraud.selectors.review_representation`).

The review has no API serializer, so its JSON Schema is written here, beside the representation.
"""

REVIEW_SCHEMA = {
    "type": "object",
    "description": "A manual fraud review of a transfer, payout or payment intent.",
    "required": [
        "id",
        "object",
        "open",
        "opened_reason",
        "closed_reason",
        "object_type",
        "object_id",
        "risk_level",
        "risk_score",
        "rules",
        "created",
        "closed",
    ],
    "properties": {
        "id": {"type": "string", "pattern": "^rev_"},
        "object": {"const": "review"},
        "open": {"type": "boolean"},
        "opened_reason": {"type": "string"},
        "closed_reason": {"type": ["string", "null"]},
        "object_type": {"enum": ["transfer", "payout", "payment_intent"]},
        "object_id": {"type": "string"},
        "transfer": {"type": "string"},
        "payout": {"type": "string"},
        "payment_intent": {"type": "string"},
        "risk_level": {"enum": ["normal", "elevated", "highest"]},
        "risk_score": {"type": "integer", "minimum": 0, "maximum": 99},
        "rules": {"type": "array", "items": {"type": "string"}},
        "created": {"type": "integer", "description": "Unix seconds."},
        "closed": {"type": ["integer", "null"], "description": "Unix seconds."},
    },
    "additionalProperties": False,
}

EVENT_SCHEMAS = {
    "review.opened": {"object": REVIEW_SCHEMA, "description": "A fraud review was opened; the money is held."},
    "review.closed": {"object": REVIEW_SCHEMA, "description": "A fraud review was closed (approved or refused)."},
}
