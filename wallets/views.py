"""Wallets, their transactions, transfers and payouts: thin views over selectors and services."""

import csv
import io
import time

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api import client_ip
from payments_platform.api.errors import ParameterInvalid
from payments_platform.api.renderers import CsvRenderer, EnvelopeRenderer
from payments_platform.api.views import CsvNegotiationMixin, PlatformViewSet
from payments_platform.middleware import request_id_of
from wallets import selectors, services
from wallets.serializers import (
    BalanceAtOutput,
    BalanceAtQuery,
    BalanceTransactionOutput,
    BalanceTransactionQuery,
    PayoutCreateInput,
    PayoutOutput,
    TransferCreateInput,
    TransferOutput,
    WalletCreateInput,
    WalletOutput,
)

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: str) -> str:
    """A text cell that a spreadsheet will not run as a formula (CSV injection): prefixed with '."""
    return f"'{value}" if value.startswith(_FORMULA_PREFIXES) else value


def statement_csv(rows, *, rows_per_chunk: int = 500):
    """The statement as CSV bytes: the header row, then one line per transaction, a chunk at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(selectors.STATEMENT_CSV_COLUMNS)
    for count, (*fields, description) in enumerate(rows, start=1):
        writer.writerow([*fields, _csv_text(description)])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


class WalletViewSet(CsvNegotiationMixin, PlatformViewSet):
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
        parameters=[BalanceTransactionQuery],
        responses={
            (200, "application/json"): BalanceTransactionOutput(many=True),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="With `Accept: text/csv`: every line (all pages), streamed, amounts in minor units.",
            ),
        },
        tags=["wallets"],
        description=(
            "The wallet's statement: balance transactions, newest first, each with balance_after. "
            "Filters `created[gte]` and `created[lt]` (Unix seconds). With `Accept: text/csv`, every line "
            "matching the filters (not one page) is streamed as one CSV with a header row: "
            + ", ".join(selectors.STATEMENT_CSV_COLUMNS)
            + "."
        ),
    )
    @action(detail=True, methods=["get"], renderer_classes=[EnvelopeRenderer, CsvRenderer])
    def transactions(self, request, pk: str):
        query = BalanceTransactionQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        wallet = selectors.wallet_get(user=request.user, public_id=pk)
        transactions = selectors.balance_transaction_filter(
            selectors.balance_transaction_list(wallet=wallet),
            created_gte=query.validated_data.get("created[gte]"),
            created_lt=query.validated_data.get("created[lt]"),
        )
        if request.accepted_renderer.media_type == CsvRenderer.media_type:
            response = StreamingHttpResponse(
                statement_csv(selectors.balance_transaction_rows(transactions)), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{wallet.public_id}-transactions.csv"'
            return response
        return self.list_response(transactions, BalanceTransactionOutput)

    @extend_schema(
        operation_id="wallets_balance",
        parameters=[BalanceAtQuery],
        responses={200: BalanceAtOutput},
        tags=["wallets"],
        description=(
            "The wallet's balances as of Unix second `at` (default: now), read from the ledger: equal to what "
            "`GET /v1/wallets/{id}` showed then. A moment before the wallet existed is all zeros; a moment "
            "in the future is 400 parameter_invalid."
        ),
    )
    @action(detail=True, methods=["get"])
    def balance(self, request, pk: str):
        query = BalanceAtQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        now = int(time.time())
        at = query.validated_data.get("at", now)
        if at > now:
            raise ParameterInvalid("at must not be in the future.", param="at")
        wallet = selectors.wallet_get(user=request.user, public_id=pk)
        return Response(BalanceAtOutput(selectors.wallet_balance_at(wallet=wallet, at=at)).data)


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
        return Response(transfer.representation, status=201)  # the shape its events carry, built once

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
        return Response(payout.representation, status=201)  # the shape its event carries, built once

    @extend_schema(operation_id="payouts_list", responses={200: PayoutOutput(many=True)}, tags=["payouts"])
    def list(self, request):
        return self.list_response(selectors.payout_list(user=request.user))

    @extend_schema(operation_id="payouts_retrieve", responses={200: PayoutOutput}, tags=["payouts"])
    def retrieve(self, request, pk: str):
        return Response(PayoutOutput(selectors.payout_get(user=request.user, public_id=pk)).data)
