"""Wallets, their transactions, transfers and payouts: thin views over selectors and services."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.views import client_ip
from payments_platform.api.views import PlatformViewSet
from payments_platform.middleware import request_id_of
from wallets import selectors, services
from wallets.serializers import (
    BalanceTransactionOutput,
    PayoutCreateInput,
    PayoutOutput,
    TransferCreateInput,
    TransferOutput,
    WalletCreateInput,
    WalletOutput,
)


class WalletViewSet(PlatformViewSet):
    """Wallets: one per user and currency, balances read from the ledger."""

    serializer_class = WalletOutput
    scope_resource = "wallets"

    @extend_schema(
        operation_id="wallets_create",
        request=WalletCreateInput,
        responses={201: WalletOutput},
        tags=["wallets"],
        description="Open a wallet in a currency: one per user and currency (a second is 409 wallet_exists).",
    )
    def create(self, request):
        data = WalletCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        wallet = services.wallet_create(user=request.user, currency=data.validated_data["currency"])
        wallet = selectors.wallet_get(user=request.user, public_id=wallet.public_id)
        return Response(WalletOutput(wallet).data, status=201)

    @extend_schema(operation_id="wallets_list", responses={200: WalletOutput(many=True)}, tags=["wallets"])
    def list(self, request):
        return self.list_response(selectors.wallet_list(user=request.user))

    @extend_schema(operation_id="wallets_retrieve", responses={200: WalletOutput}, tags=["wallets"])
    def retrieve(self, request, pk: str):
        return Response(WalletOutput(selectors.wallet_get(user=request.user, public_id=pk)).data)

    @extend_schema(
        operation_id="wallets_transactions",
        responses={200: BalanceTransactionOutput(many=True)},
        tags=["wallets"],
        description="The wallet's statement: balance transactions, newest first, each with balance_after.",
    )
    @action(detail=True, methods=["get"])
    def transactions(self, request, pk: str):
        wallet = selectors.wallet_get(user=request.user, public_id=pk)
        return self.list_response(selectors.balance_transaction_list(wallet=wallet), BalanceTransactionOutput)


class TransferViewSet(PlatformViewSet):
    """Transfers between wallets of one currency."""

    serializer_class = TransferOutput
    scope_resource = "transfers"

    @extend_schema(
        operation_id="transfers_create",
        request=TransferCreateInput,
        responses={201: TransferOutput},
        tags=["transfers"],
        description=(
            "Move money from one of your wallets to any wallet in the same currency. Every transfer is "
            "screened for fraud and carries `outcome`; manual_review holds the amount in the recipient's "
            "pending balance until the review is closed. Errors: 404 resource_missing (source_wallet or "
            "destination_wallet), 400 transfer_same_wallet, currency_mismatch, balance_insufficient, "
            "blocked_by_fraud_screening, parameter_invalid."
        ),
    )
    def create(self, request):
        data = TransferCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = services.transfer_create(
            user=request.user, request_id=request_id_of(request), ip=client_ip(request), **data.validated_data
        )
        return Response(TransferOutput(transfer).data, status=201)

    @extend_schema(operation_id="transfers_list", responses={200: TransferOutput(many=True)}, tags=["transfers"])
    def list(self, request):
        return self.list_response(selectors.transfer_list(user=request.user))

    @extend_schema(operation_id="transfers_retrieve", responses={200: TransferOutput}, tags=["transfers"])
    def retrieve(self, request, pk: str):
        return Response(TransferOutput(selectors.transfer_get(user=request.user, public_id=pk)).data)


class PayoutViewSet(PlatformViewSet):
    """Payouts from a wallet to a bank account."""

    serializer_class = PayoutOutput
    scope_resource = "payouts"

    @extend_schema(
        operation_id="payouts_create",
        request=PayoutCreateInput,
        responses={201: PayoutOutput},
        tags=["payouts"],
        description=(
            "Withdraw to a bank account. The amount leaves the wallet's available balance at once; "
            "the payout is pending until the bank settles it (paid), or fails and the money returns. "
            "Every payout is screened for fraud and carries `outcome`: blocked is 400 "
            "blocked_by_fraud_screening (nothing moves); manual_review keeps it pending until the review "
            "is approved (a rejection fails it with failure_code fraud_review_rejected)."
        ),
    )
    def create(self, request):
        data = PayoutCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        destination = fields.pop("destination")
        payout = services.payout_create(
            user=request.user,
            request_id=request_id_of(request),
            account_number=destination["account_number"],
            routing_number=destination["routing_number"],
            # Fraud screening sees only a keyed hash of the destination, never the number.
            destination=services.destination_fingerprint(
                routing_number=destination["routing_number"], account_number=destination["account_number"]
            ),
            ip=client_ip(request),
            **fields,
        )
        return Response(PayoutOutput(payout).data, status=201)

    @extend_schema(operation_id="payouts_list", responses={200: PayoutOutput(many=True)}, tags=["payouts"])
    def list(self, request):
        return self.list_response(selectors.payout_list(user=request.user))

    @extend_schema(operation_id="payouts_retrieve", responses={200: PayoutOutput}, tags=["payouts"])
    def retrieve(self, request, pk: str):
        return Response(PayoutOutput(selectors.payout_get(user=request.user, public_id=pk)).data)
