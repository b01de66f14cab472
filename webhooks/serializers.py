"""Input validation and output shapes of the events and webhooks API."""

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments_platform.api.fields import ConstantField, MetadataField, UnixTimestampField
from webhooks.events import event_payload
from webhooks.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint

EVENT_TYPE_PATTERN = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")
MAX_ENABLED_EVENTS = 100


class EnabledEventsField(serializers.ListField):
    """`["*"]` or a list of event types (`transfer.created`); duplicates are dropped."""

    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.CharField(max_length=100), min_length=1, max_length=MAX_ENABLED_EVENTS, **kwargs
        )

    def to_internal_value(self, data) -> list[str]:
        types = super().to_internal_value(data)
        for event_type in types:
            if event_type != "*" and not EVENT_TYPE_PATTERN.match(event_type):
                raise serializers.ValidationError(
                    f"{event_type!r} is not an event type (like 'transfer.created') or '*'."
                )
        return list(dict.fromkeys(types))


class WebhookEndpointCreateInput(serializers.Serializer):
    url = serializers.CharField(max_length=2048, trim_whitespace=False)
    enabled_events = EnabledEventsField()
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    metadata = MetadataField()


class WebhookEndpointUpdateInput(serializers.Serializer):
    url = serializers.CharField(max_length=2048, trim_whitespace=False, required=False)
    enabled_events = EnabledEventsField(required=False)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    metadata = MetadataField(required=False, default=None)
    disabled = serializers.BooleanField(required=False, help_text="true disables the endpoint, false enables it.")

    def validate(self, attrs):
        return {key: value for key, value in attrs.items() if value is not None}


class WebhookEndpointOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    object = ConstantField("webhook_endpoint")
    metadata = MetadataField(read_only=True)
    # Plain strings, not enums: drf-spectacular hoists enums into components named after the field,
    # and several apps have a differently-valued `status`.
    status = serializers.CharField(read_only=True, help_text="`enabled` or `disabled`.")
    created = UnixTimestampField()

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "object",
            "url",
            "enabled_events",
            "description",
            "metadata",
            "status",
            "disabled_reason",
            "created",
        ]


class WebhookEndpointWithSecretOutput(WebhookEndpointOutput):
    secret = serializers.SerializerMethodField(help_text="whsec_…: shown only in the create and rotate responses.")

    class Meta(WebhookEndpointOutput.Meta):
        fields = [*WebhookEndpointOutput.Meta.fields, "secret"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_secret(self, _endpoint) -> str | None:
        return self.context.get("secret")


class WebhookEndpointDeletedOutput(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField(default="webhook_endpoint")
    deleted = serializers.BooleanField(default=True)


class EventDataOutput(serializers.Serializer):
    object = serializers.DictField(help_text="The object's API representation when the event happened.")


class EventRequestOutput(serializers.Serializer):
    id = serializers.CharField(allow_null=True, help_text="The request id (X-Request-ID) that caused the event.")


class EventOutput(serializers.Serializer):
    """The event: identical in the API, in webhook bodies and in NATS messages."""

    id = serializers.CharField()
    object = serializers.CharField(default="event")
    type = serializers.CharField()
    created = serializers.IntegerField(help_text="Unix seconds.")
    livemode = serializers.BooleanField(default=False)
    data = EventDataOutput()
    request = EventRequestOutput()

    def to_representation(self, instance: Event) -> dict:
        return event_payload(instance)


class EventListQuery(serializers.Serializer):
    type = serializers.CharField(
        max_length=100, required=False, help_text="An event type, or a prefix wildcard like 'transfer.*'."
    )


class EventResendInput(serializers.Serializer):
    webhook_endpoint = serializers.CharField(
        max_length=40, required=False, help_text="we_…: resend to this endpoint only (default: all matching)."
    )


class WebhookAttemptOutput(serializers.ModelSerializer):
    attempt = serializers.IntegerField(source="attempt_number")
    created = UnixTimestampField()

    class Meta:
        model = WebhookAttempt
        fields = ["attempt", "status_code", "latency_ms", "error", "response_body", "created"]


@extend_schema_field({"type": "integer", "nullable": True, "description": "Unix seconds."})
class OptionalUnixTimestampField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return int(value.timestamp())


class WebhookDeliveryOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    object = ConstantField("webhook_delivery")
    event = serializers.CharField(source="event.public_id", read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)
    webhook_endpoint = serializers.CharField(source="endpoint.public_id", read_only=True)
    next_attempt_at = OptionalUnixTimestampField(help_text="When the next retry is due; null once it has ended.")
    last_attempt_at = OptionalUnixTimestampField()
    attempts = WebhookAttemptOutput(many=True, read_only=True)
    status = serializers.CharField(read_only=True, help_text="`pending`, `succeeded`, `failed` or `canceled`.")
    created = UnixTimestampField()

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "object",
            "event",
            "event_type",
            "webhook_endpoint",
            "status",
            "attempt_count",
            "next_attempt_at",
            "last_attempt_at",
            "attempts",
            "created",
        ]
