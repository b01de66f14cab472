"""Serializer fields with the API's strict rules: integer money, Unix times, type constants."""

from datetime import datetime

from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field({"type": "integer", "description": "Unix seconds."})
class UnixTimestampField(serializers.Field):
    """A datetime rendered as Unix seconds (read-only)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: datetime) -> int:
        return int(value.timestamp())


class ConstantField(serializers.Field):
    """A read-only field that is always `value`, like `object: "wallet"`."""

    def __init__(self, value: str, **kwargs):
        self.value = value
        kwargs["read_only"] = True
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, _instance) -> str:
        return self.value


class ConstantFieldSchema(OpenApiSerializerFieldExtension):
    """Document a `ConstantField` as a string constant (`"object": "wallet"`).

    `const`, not a one-value `enum`: the enum post-processing hook would pull every
    `object` field into one shared, colliding `ObjectEnum` component.
    """

    target_class = ConstantField

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "const": self.target.value}


@extend_schema_field(OpenApiTypes.STR)
class StrictCharField(serializers.CharField):
    """A JSON string: numbers and booleans are refused, not coerced to text."""

    def to_internal_value(self, data) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.Field):
    """A JSON integer: strings, floats and booleans are refused, not coerced."""

    default_error_messages = {
        "invalid": "Must be an integer.",
        "min_value": "Must be at least {min_value}.",
        "max_value": "Must be at most {max_value}.",
    }

    def __init__(self, *, min_value: int | None = None, max_value: int | None = None, **kwargs):
        self.min_value = min_value
        self.max_value = max_value
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        if self.min_value is not None and data < self.min_value:
            self.fail("min_value", min_value=self.min_value)
        if self.max_value is not None and data > self.max_value:
            self.fail("max_value", max_value=self.max_value)
        return data

    def to_representation(self, value) -> int:
        return int(value)


class StrictIntegerFieldSchema(OpenApiSerializerFieldExtension):
    """Document `StrictIntegerField` (and subclasses without their own schema) as an integer with its bounds."""

    target_class = StrictIntegerField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema: dict = {"type": "integer"}
        if self.target.min_value is not None:
            schema["minimum"] = self.target.min_value
        if self.target.max_value is not None:
            schema["maximum"] = self.target.max_value
        return schema


@extend_schema_field(
    {
        "type": "integer",
        "minimum": 1,
        "maximum": 99_999_999_999,
        "description": "A positive amount in the currency's minor unit (cents for usd).",
    }
)
class AmountField(serializers.Field):
    """The contract's amount: documented as a positive integer in minor units (at most
    `settings.MAX_AMOUNT`) and handed to the service as it came. The service boundary checks it,
    once (`payments_platform.api.amounts.amount_validate`), so the API and every other caller of a
    service share one check and one set of messages."""

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.STR)
class CurrencyField(serializers.Field):
    """A supported lowercase ISO 4217 code (`usd`)."""

    default_error_messages = {"invalid": "Unsupported currency {value!r}; supported: {supported}."}

    def to_internal_value(self, data) -> str:
        if not isinstance(data, str) or data.lower() not in settings.SUPPORTED_CURRENCIES:
            self.fail(
                "invalid",
                value=data if isinstance(data, str) else type(data).__name__,
                supported=", ".join(settings.SUPPORTED_CURRENCIES),
            )
        return data.lower()

    def to_representation(self, value: str) -> str:
        return value


def validate_metadata(value) -> dict[str, str]:
    """Metadata rules: up to 20 keys, key <= 40 chars, value <= 500 chars, strings only."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise serializers.ValidationError("Metadata must be an object of string keys and values.")
    if len(value) > 20:
        raise serializers.ValidationError("Metadata may have at most 20 keys.")
    for key, item in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 40:
            raise serializers.ValidationError("Metadata keys must be 1 to 40 characters.")
        if not isinstance(item, str) or len(item) > 500:
            raise serializers.ValidationError(f"Metadata value for {key!r} must be a string of at most 500 characters.")
    return value


@extend_schema_field(
    {"type": "object", "additionalProperties": {"type": "string", "maxLength": 500}, "maxProperties": 20}
)
class MetadataField(serializers.Field):
    """Up to 20 string keys (1-40 chars) with string values (at most 500 chars)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", dict)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> dict[str, str]:
        return validate_metadata(data)

    def to_representation(self, value) -> dict[str, str]:
        return value or {}


@extend_schema_field({"type": "integer", "minimum": 0, "description": "Unix seconds."})
class UnixSecondsQueryField(serializers.Field):
    """A query-string Unix time in whole seconds (`?at=1700000000`): digits only, up to year 9999."""

    default_error_messages = {"invalid": "Must be a Unix time in whole seconds (digits only)."}
    MAX = 253_402_300_799

    def to_internal_value(self, data) -> int:
        if not isinstance(data, str) or not data.isascii() or not data.isdigit() or len(data) > 12:
            self.fail("invalid")
        value = int(data)
        if value > self.MAX:
            self.fail("invalid")
        return value
