"""Payment methods, payment intents and refunds: thin views over selectors and services."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api import client_ip
from payments import selectors, services
from payments.rest.serializers import (
    PaymentIntentCancelInput,
    PaymentIntentCaptureInput,
    PaymentIntentConfirmInput,
    PaymentIntentCreateInput,
    PaymentIntentOutput,
    PaymentMethodCreateInput,
    PaymentMethodOutput,
    RefundCreateInput,
    RefundOutput,
)
from payments_platform.api.views import PlatformViewSet
from payments_platform.middleware import request_id_of


class ConnectorCallingViewSet(PlatformViewSet):
    """Keyed requests to the actions in `phased_actions` (those that may call a connector) use the
    phased idempotency mode: the key is committed as in progress first, the services commit a
    pending record before each connector call, and the response is stored after (a concurrent
    duplicate is 409 idempotency_key_in_use). Other actions keep the one-transaction mode."""

    phased_actions: frozenset[str] = frozenset()

    def get_idempotency_mode(self, request) -> str:
        return "phased" if self.action_for(request) in self.phased_actions else self.idempotency_mode


def _intent_response(intent, status: int = 200) -> Response:
    """The intent a service returned, as it left it (no second read)."""
    return Response(PaymentIntentOutput(intent).data, status=status)


class PaymentMethodViewSet(PlatformViewSet):
    """Cards, tokenized: the number and CVC are never stored."""

    serializer_class = PaymentMethodOutput
    scope_resource = "payments"

    @extend_schema(
        operation_id="payment_methods_create",
        request=PaymentMethodCreateInput,
        responses={201: PaymentMethodOutput},
        tags=["payments"],
        description=(
            "Tokenize a card. The number and CVC are used once and never stored, logged or returned. "
            "Errors (400 invalid_request_error): invalid_number / incorrect_number (card[number]), "
            "invalid_expiry_month (card[exp_month]), invalid_expiry_year (card[exp_year]), invalid_cvc (card[cvc])."
        ),
    )
    def create(self, request):
        data = PaymentMethodCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        method = services.payment_method_create(user=request.user, **data.validated_data["card"])
        return Response(PaymentMethodOutput(method).data, status=201)

    @extend_schema(
        operation_id="payment_methods_list", responses={200: PaymentMethodOutput(many=True)}, tags=["payments"]
    )
    def list(self, request):
        return self.list_response(selectors.payment_method_list(user=request.user))

    @extend_schema(operation_id="payment_methods_retrieve", responses={200: PaymentMethodOutput}, tags=["payments"])
    def retrieve(self, request, pk: str):
        return Response(PaymentMethodOutput(selectors.payment_method_get(user=request.user, public_id=pk)).data)


_DECLINE = (
    "A decline is 402 card_error (code card_declined, with decline_code; or processing_error when no "
    "connector could process it); the intent is then requires_payment_method with last_payment_error. "
    "Every confirm is screened for fraud first and the intent carries its `outcome`: blocked is a 402 "
    "card_declined with decline_code fraudulent (no charge attempted); manual_review succeeds but the "
    "money waits in the wallet's pending balance until the review is approved (a rejection refunds it). "
    "If the processor's answer is lost and it cannot say what it did, the intent is returned `processing` "
    "(no other processor is tried) and finished later: poll it or wait for its webhook event. "
    "3-D Secure: a card that needs authentication answers 200/201 with the intent requires_action and "
    "next_action.redirect_to_url {url, return_url}: send the cardholder to url (single use, 10 minutes); "
    "the page sends them back to return_url?payment_intent=pi_… once answered. No money moves before."
)


# Statuses beyond the common ones (payments_platform/api/schema.py adds 400, 401, 404, 409, ...);
# the envelope's error object is documented once, as ErrorEnvelope.
CARD_ERROR_402 = OpenApiResponse(
    description=(
        "card_error: card_declined (with decline_code, `fraudulent` when blocked by fraud screening) or "
        "processing_error (every eligible connector failed technically). The error carries "
        "`payment_intent: {id, status}`; the intent is back at requires_payment_method."
    )
)
NO_CONNECTOR_503 = OpenApiResponse(
    description=(
        "api_error connector_unavailable: no eligible connector (routing, or every circuit open); nothing changed."
    )
)
CONNECTOR_ERROR_502 = OpenApiResponse(
    description="api_error connector_error: the processor refused or did not answer; the intent is unchanged."
)


class PaymentIntentViewSet(ConnectorCallingViewSet):
    """Card payments credited to a wallet, less the platform fee."""

    serializer_class = PaymentIntentOutput
    scope_resource = "payments"
    phased_actions = frozenset({"create", "confirm", "capture", "cancel"})

    @extend_schema(
        operation_id="payment_intents_create",
        request=PaymentIntentCreateInput,
        responses={201: PaymentIntentOutput, 402: CARD_ERROR_402, 503: NO_CONNECTOR_503},
        tags=["payments"],
        description=(
            "Create a payment intent collecting `amount` into one of your wallets in `currency` (less the "
            "platform fee). With confirm=true it is confirmed in the same request. " + _DECLINE
        ),
    )
    def create(self, request):
        data = PaymentIntentCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        intent = services.payment_intent_create(
            user=request.user,
            request_id=request_id_of(request),
            ip=client_ip(request),
            idempotency_claim=self.claimed_idempotency_key_id,
            **data.validated_data,
        )
        return _intent_response(intent, status=201)

    @extend_schema(
        operation_id="payment_intents_list", responses={200: PaymentIntentOutput(many=True)}, tags=["payments"]
    )
    def list(self, request):
        return self.list_response(selectors.payment_intent_list(user=request.user))

    @extend_schema(operation_id="payment_intents_retrieve", responses={200: PaymentIntentOutput}, tags=["payments"])
    def retrieve(self, request, pk: str):
        return Response(PaymentIntentOutput(selectors.payment_intent_get(user=request.user, public_id=pk)).data)

    @extend_schema(
        operation_id="payment_intents_confirm",
        request=PaymentIntentConfirmInput,
        responses={200: PaymentIntentOutput, 402: CARD_ERROR_402, 503: NO_CONNECTOR_503},
        tags=["payments"],
        description=(
            "Confirm: route to the connectors (failing over on technical errors). From requires_payment_method "
            "or requires_confirmation, else 400 payment_intent_unexpected_state. " + _DECLINE
        ),
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk: str):
        data = PaymentIntentConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        intent = services.payment_intent_confirm(
            user=request.user,
            public_id=pk,
            request_id=request_id_of(request),
            ip=client_ip(request),
            **data.validated_data,
        )
        return _intent_response(intent)

    @extend_schema(
        operation_id="payment_intents_capture",
        request=PaymentIntentCaptureInput,
        responses={200: PaymentIntentOutput, 502: CONNECTOR_ERROR_502},
        tags=["payments"],
        description=(
            "Capture an authorized (requires_capture) intent, fully or partly; the remainder is released. "
            "400 payment_intent_unexpected_state, 400 amount_too_large (amount_to_capture). Returned `processing` "
            "when the processor's answer is lost (finished later)."
        ),
    )
    @action(detail=True, methods=["post"])
    def capture(self, request, pk: str):
        return self._intent_action(request, pk, PaymentIntentCaptureInput, services.payment_intent_capture)

    @extend_schema(
        operation_id="payment_intents_cancel",
        request=PaymentIntentCancelInput,
        responses={200: PaymentIntentOutput, 502: CONNECTOR_ERROR_502},
        tags=["payments"],
        description=(
            "Cancel from requires_payment_method, requires_confirmation or requires_capture (the "
            "authorization is voided). Else 400 payment_intent_unexpected_state."
        ),
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk: str):
        return self._intent_action(request, pk, PaymentIntentCancelInput, services.payment_intent_cancel)

    def _intent_action(self, request, pk: str, input_class, service) -> Response:
        """Validate the body with `input_class`, run `service` on intent `pk` and answer with the intent."""
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        intent = service(user=request.user, public_id=pk, request_id=request_id_of(request), **data.validated_data)
        return _intent_response(intent)


class RefundViewSet(ConnectorCallingViewSet):
    """Refunds of captured payments, full or partial."""

    serializer_class = RefundOutput
    scope_resource = "payments"
    phased_actions = frozenset({"create"})

    @extend_schema(
        operation_id="refunds_create",
        request=RefundCreateInput,
        responses={201: RefundOutput},
        tags=["payments"],
        description=(
            "Refund a succeeded payment intent, fully (default) or partly, taken from the wallet it credited "
            "with its share of the platform fee given back (REFUND_FEE_POLICY=return, the default; retain keeps it). "
            "400 amount_too_large (amount), balance_insufficient, "
            "payment_intent_unexpected_state; 404 for another user's intent."
        ),
    )
    def create(self, request):
        data = RefundCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        refund = services.refund_create(
            user=request.user,
            request_id=request_id_of(request),
            idempotency_claim=self.claimed_idempotency_key_id,
            **data.validated_data,
        )
        return Response(RefundOutput(refund).data, status=201)

    @extend_schema(
        operation_id="refunds_list",
        parameters=[OpenApiParameter("payment_intent", str, description="Only this intent's refunds.")],
        responses={200: RefundOutput(many=True)},
        tags=["payments"],
    )
    def list(self, request):
        refunds = selectors.refund_list(user=request.user, payment_intent=request.query_params.get("payment_intent"))
        return self.list_response(refunds)

    @extend_schema(operation_id="refunds_retrieve", responses={200: RefundOutput}, tags=["payments"])
    def retrieve(self, request, pk: str):
        return Response(RefundOutput(selectors.refund_get(user=request.user, public_id=pk)).data)
