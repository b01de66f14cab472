"""Disputes (the wallet owner answers them) and the endpoint processors send notifications to."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from payments import notifications
from payments.rest.dispute_serializers import DisputeOutput, DisputeUpdateInput
from payments.selectors import dispute_get, dispute_list
from payments.services import disputes as services
from payments_platform.api.views import PlatformAPIView, PlatformViewSet
from payments_platform.middleware import request_id_of


class DisputeViewSet(PlatformViewSet):
    serializer_class = DisputeOutput
    scope_resource = "disputes"

    @extend_schema(
        operation_id="disputes_list",
        parameters=[OpenApiParameter("payment_intent", str, description="Only this intent's disputes.")],
        responses={200: DisputeOutput(many=True)},
        tags=["disputes"],
    )
    def list(self, request):
        return self.list_response(
            dispute_list(user=request.user, payment_intent=request.query_params.get("payment_intent"))
        )

    @extend_schema(operation_id="disputes_retrieve", responses={200: DisputeOutput}, tags=["disputes"])
    def retrieve(self, request, pk: str):
        return Response(DisputeOutput(dispute_get(user=request.user, public_id=pk)).data)

    @extend_schema(
        operation_id="disputes_update",
        request=DisputeUpdateInput,
        responses={200: DisputeOutput},
        tags=["disputes"],
        description=(
            "Stage evidence (merged into what is staged) or, with submit=true, submit it to the processor, once. "
            "400 dispute_already_submitted after a submission, dispute_closed for a closed dispute, "
            "parameter_invalid for an unknown field or evidence over 150,000 characters in all. Test phrases in "
            "evidence.uncategorized_text: winning_evidence (the processor rules won within 30 s: amount and fee "
            "come back) and losing_evidence (lost)."
        ),
    )
    def update_dispute(self, request, pk: str):
        dispute_get(user=request.user, public_id=pk)  # another user's dispute is a 404 whatever the body
        data = DisputeUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = services.dispute_update(
            user=request.user,
            public_id=pk,
            evidence=data.validated_data.get("evidence"),
            submit=data.validated_data["submit"],
            request_id=request_id_of(request),
        )
        return Response(DisputeOutput(dispute).data)

    @extend_schema(
        operation_id="disputes_close",
        request=None,
        responses={200: DisputeOutput},
        tags=["disputes"],
        description="Accept the loss: the dispute becomes lost (an inquiry: warning_closed). 400 dispute_closed.",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk: str):
        dispute = services.dispute_close(user=request.user, public_id=pk, request_id=request_id_of(request))
        return Response(DisputeOutput(dispute).data)


class ConnectorNotificationView(PlatformAPIView):
    """No user: the processor authenticates by its Standard Webhooks signature over the raw body."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    idempotent = False  # a notification's own id is its idempotency key (a unique constraint)

    @extend_schema(
        operation_id="connector_notifications_receive",
        request={"application/json": {"type": "object", "description": "The processor's signed notification."}},
        responses={
            200: inline_serializer(
                "ConnectorNotificationReceived",
                {
                    "received": serializers.BooleanField(),
                    "replayed": serializers.BooleanField(),
                    "status": serializers.CharField(help_text="processed, unmatched or ignored."),
                },
            ),
            400: OpenApiResponse(description="signature_invalid (nothing happened) or parameter_invalid."),
        },
        tags=["disputes"],
        auth=[],
        description=(
            "Where a processor reports disputes and rulings: headers webhook-id, webhook-timestamp, "
            "webhook-signature (Standard Webhooks, the connector's CONNECTOR_NOTIFICATION_SECRETS secret). A "
            "replayed webhook-id is 200 with replayed=true and no second effect; one for an unknown payment is "
            "recorded as unmatched for operators, and answered 200."
        ),
    )
    def post(self, request, connector: str):
        received = notifications.connector_notification_receive(
            connector=connector, body=request.body, headers=dict(request.headers), request_id=request_id_of(request)
        )
        return Response(
            {"received": True, "replayed": received.replayed, "status": received.notification.status}, status=200
        )
