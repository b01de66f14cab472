"""Events, webhook endpoints and their deliveries: thin views over selectors and services."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from payments_platform.api.views import PlatformViewSet, SecretShownOnceMixin
from payments_platform.middleware import request_id_of
from webhooks import contract, selectors, services
from webhooks.serializers import (
    EventListQuery,
    EventOutput,
    EventResendInput,
    WebhookDeliveryOutput,
    WebhookEndpointCreateInput,
    WebhookEndpointDeletedOutput,
    WebhookEndpointOutput,
    WebhookEndpointUpdateInput,
    WebhookEndpointWithSecretOutput,
)

EVENT_SCHEMA_LIST = inline_serializer(
    name="EventSchemaList",
    fields={
        "object": serializers.CharField(),
        "data": serializers.ListField(
            child=inline_serializer(
                name="EventSchema",
                fields={
                    "object": serializers.CharField(),
                    "type": serializers.CharField(),
                    "schema": serializers.DictField(help_text="A JSON Schema (draft 2020-12)."),
                },
            )
        ),
        "has_more": serializers.BooleanField(),
        "url": serializers.CharField(),
    },
)


class EventViewSet(PlatformViewSet):
    """Events: every state change, written with it (the outbox)."""

    serializer_class = EventOutput
    scope_resource = "events"
    action_scopes = {"resend": "webhooks:write"}

    @extend_schema(
        operation_id="events_list",
        parameters=[EventListQuery, OpenApiParameter("type", str, description="A type, or 'transfer.*'.")],
        responses={200: EventOutput(many=True)},
        tags=["events"],
    )
    def list(self, request):
        query = EventListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return self.list_response(selectors.event_list(user=request.user, event_type=query.validated_data.get("type")))

    @extend_schema(operation_id="events_retrieve", responses={200: EventOutput}, tags=["events"])
    def retrieve(self, request, pk: str):
        return Response(EventOutput(selectors.event_get(user=request.user, public_id=pk)).data)

    @extend_schema(
        operation_id="events_resend",
        request=EventResendInput,
        responses={200: WebhookDeliveryOutput(many=True)},
        tags=["events"],
        description="Queue a fresh delivery of the event to every matching enabled endpoint, or to one.",
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, pk: str):
        data = EventResendInput(data=request.data)
        data.is_valid(raise_exception=True)
        event = selectors.event_get(user=request.user, public_id=pk)
        endpoint_id = data.validated_data.get("webhook_endpoint")
        endpoint = (
            selectors.endpoint_get(user=request.user, public_id=endpoint_id, param="webhook_endpoint")
            if endpoint_id
            else None
        )
        deliveries = services.event_resend(event=event, endpoint=endpoint)
        return Response(
            {
                "object": "list",
                "data": WebhookDeliveryOutput(deliveries, many=True).data,
                "has_more": False,
                "url": request.path,
            }
        )

    @extend_schema(
        operation_id="events_schemas",
        responses={200: EVENT_SCHEMA_LIST},
        tags=["events"],
        auth=[],
        description=(
            "The event contract: one JSON Schema (draft 2020-12) per event type, for webhook bodies and "
            "NATS messages alike. Public: it describes shapes, never data. Also in this document as `Event.<type>`."
        ),
    )
    @action(detail=False, methods=["get"], permission_classes=[AllowAny], authentication_classes=[])
    def schemas(self, request):
        schemas = contract.event_schemas()
        return Response(
            {
                "object": "list",
                "data": [
                    {"object": "event_schema", "type": event_type, "schema": schema}
                    for event_type, schema in schemas.items()
                ],
                "has_more": False,
                "url": request.path,
            }
        )


class WebhookEndpointViewSet(SecretShownOnceMixin, PlatformViewSet):
    """Webhook endpoints: where events are delivered, signed per Standard Webhooks. A replay of an
    idempotent create (or secret rotation) says `secret: null`."""

    serializer_class = WebhookEndpointOutput
    scope_resource = "webhooks"

    @extend_schema(
        operation_id="webhook_endpoints_create",
        request=WebhookEndpointCreateInput,
        responses={201: WebhookEndpointWithSecretOutput},
        tags=["webhook_endpoints"],
    )
    def create(self, request):
        data = WebhookEndpointCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint, secret = services.endpoint_create(
            user=request.user, request_id=request_id_of(request), **data.validated_data
        )
        return Response(WebhookEndpointWithSecretOutput(endpoint, context={"secret": secret}).data, status=201)

    @extend_schema(
        operation_id="webhook_endpoints_list",
        responses={200: WebhookEndpointOutput(many=True)},
        tags=["webhook_endpoints"],
    )
    def list(self, request):
        return self.list_response(selectors.endpoint_list(user=request.user))

    @extend_schema(
        operation_id="webhook_endpoints_retrieve", responses={200: WebhookEndpointOutput}, tags=["webhook_endpoints"]
    )
    def retrieve(self, request, pk: str):
        return Response(WebhookEndpointOutput(selectors.endpoint_get(user=request.user, public_id=pk)).data)

    @extend_schema(
        operation_id="webhook_endpoints_update",
        request=WebhookEndpointUpdateInput,
        responses={200: WebhookEndpointOutput},
        tags=["webhook_endpoints"],
    )
    def partial_update(self, request, pk: str):
        endpoint = selectors.endpoint_get(user=request.user, public_id=pk)
        data = WebhookEndpointUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(endpoint=endpoint, request_id=request_id_of(request), **data.validated_data)
        return Response(WebhookEndpointOutput(endpoint).data)

    @extend_schema(
        operation_id="webhook_endpoints_delete",
        responses={200: WebhookEndpointDeletedOutput},
        tags=["webhook_endpoints"],
    )
    def destroy(self, request, pk: str):
        endpoint = selectors.endpoint_get(user=request.user, public_id=pk)
        public_id = endpoint.public_id
        services.endpoint_delete(endpoint=endpoint, request_id=request_id_of(request))
        return Response({"id": public_id, "object": "webhook_endpoint", "deleted": True})

    @extend_schema(
        operation_id="webhook_endpoints_deliveries",
        responses={200: WebhookDeliveryOutput(many=True)},
        tags=["webhook_endpoints"],
        description="The endpoint's deliveries, newest first, each with its attempts and next retry.",
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk: str):
        endpoint = selectors.endpoint_get(user=request.user, public_id=pk)
        return self.list_response(selectors.delivery_list(endpoint=endpoint), WebhookDeliveryOutput)

    @extend_schema(
        operation_id="webhook_endpoints_rotate_secret",
        request=None,
        responses={200: WebhookEndpointWithSecretOutput},
        tags=["webhook_endpoints"],
        description="A new secret, shown once; for 24 hours deliveries are signed with both the new and the old.",
    )
    @action(detail=True, methods=["post"], url_path="rotate_secret")
    def rotate_secret(self, request, pk: str):
        endpoint = selectors.endpoint_get(user=request.user, public_id=pk)
        endpoint, secret = services.endpoint_secret_rotate(endpoint=endpoint, request_id=request_id_of(request))
        return Response(WebhookEndpointWithSecretOutput(endpoint, context={"secret": secret}).data)
