"""Errors of the webhooks context, with their stable API codes."""

from payments_platform.api.errors import InvalidRequest, ParameterInvalid


class WebhookUrlInvalid(ParameterInvalid):
    """The URL is malformed, not https, or resolves to an address we refuse to call (SSRF)."""

    code = "url_invalid"
    default_message = "The webhook URL is not allowed."


class WebhookEndpointDisabled(InvalidRequest):
    code = "webhook_endpoint_disabled"
    default_message = "This webhook endpoint is disabled."


class NoMatchingWebhookEndpoints(InvalidRequest):
    code = "webhook_endpoints_none_matching"
    default_message = "No enabled webhook endpoint subscribes to this event's type."
