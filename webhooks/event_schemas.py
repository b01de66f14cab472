"""The events the webhooks context emits itself (the event contract, webhooks.contract)."""

from webhooks.serializers import WebhookEndpointOutput

EVENT_SCHEMAS = {
    "webhook_endpoint.disabled": {
        "object": WebhookEndpointOutput,
        "status": "disabled",
        "description": "An endpoint was disabled after a 410 or five days of failed deliveries.",
    },
}
