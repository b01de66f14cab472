"""The public shape of a webhook endpoint (never its secret), built without the API layer.

`webhook_endpoint.*` events carry it as `data.object`; `webhooks.serializers.WebhookEndpointOutput`
declares the same fields for the API and its schema (a test holds the two equal).
"""

from webhooks.models import WebhookEndpoint


def endpoint_representation(endpoint: WebhookEndpoint) -> dict:
    return {
        "id": endpoint.public_id,
        "object": "webhook_endpoint",
        "url": endpoint.url,
        "enabled_events": endpoint.enabled_events,
        "description": endpoint.description,
        "metadata": endpoint.metadata or {},
        "status": endpoint.status,
        "disabled_reason": endpoint.disabled_reason,
        "created": int(endpoint.created.timestamp()),
    }
