"""Input parsing and output shapes of the wallets, transfers and payouts API.

`TransferOutput` and `PayoutOutput` declare their fields for the OpenAPI document and the event
schemas, and answer with `wallets.representations`, the shape the events carry too. The amount
of a transfer or payout is checked once, by the service (`amount_validate`), not here.
"""

from django.core.validators import RegexValidator
from django.db.models import Sum
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fraud.api import OutcomeType, RiskLevel
from payments_platform.api.fields import (
    AmountField,
    ConstantField,
    CurrencyField,
    MetadataField,
    StrictCharField,
    UnixSecondsQueryField,
    UnixTimestampField,
)
from wallets.models import BalanceTransaction, Payout, Transfer, Wallet
from wallets.representations import payout_representation, transfer_representation

PUBLIC_ID_MAX_LENGTH = 40

# --- Wallets ------------------------------------------------------------------------


class WalletCreateInput(serializers.Serializer):
    currency = CurrencyField(help_text="A supported lowercase ISO 4217 code, e.g. usd.")


class WalletBalanceOutput(serializers.Serializer):
    available = serializers.IntegerField(help_text="Spendable now: the wallet's ledger account balance.")
    pending = serializers.IntegerField(
        help_text="Held, not spendable: money under review plus payouts not yet paid by the bank."
    )
    owed = serializers.IntegerField(
        help_text="Owed to the platform after a dispute the wallet could not cover; incoming money repays it first."
    )


class WalletOutput(serializers.Serializer):
    """Balances come from the ledger. The selector annotates `pending_payouts_total` (no N+1)."""

    id = serializers.CharField(source="public_id")
    object = ConstantField("wallet")
    currency = serializers.CharField()
    balance = serializers.SerializerMethodField()
    status = serializers.CharField()
    created = UnixTimestampField()

    @extend_schema_field(WalletBalanceOutput)
    def get_balance(self, wallet: Wallet) -> dict:
        return {
            "available": wallet.available_account.balance,
            "pending": wallet.pending_account.balance + wallet_pending_payouts_total(wallet),
            "owed": wallet.owed_account.balance if wallet.owed_account_id else 0,
        }


def wallet_pending_payouts_total(wallet: Wallet) -> int:
    """The annotated sum of the wallet's pending payouts, or one query when it was not annotated."""
    total = getattr(wallet, "pending_payouts_total", None)
    if total is None:
        total = wallet.payouts.filter(status=Payout.Status.PENDING).aggregate(total=Sum("amount"))["total"] or 0
    return total


class BalanceAtQuery(serializers.Serializer):
    at = UnixSecondsQueryField(
        required=False,
        help_text="Unix seconds, not in the future (default: now). The balance at the end of that second.",
    )


class BalanceAtOutput(serializers.Serializer):
    object = ConstantField("balance")
    available = serializers.IntegerField(help_text="Spendable then: the available account's balance_after.")
    pending = serializers.IntegerField(help_text="Held then: money under review plus payouts not yet paid.")
    owed = serializers.IntegerField(help_text="What the owner owed the platform then (disputes not covered).")
    at = serializers.IntegerField(help_text="The moment asked for, Unix seconds.")


# `created[gte]` and `created[lt]` are not Python names: the fields are declared by name.
BalanceTransactionQuery = type(
    "BalanceTransactionQuery",
    (serializers.Serializer,),
    {
        "created[gte]": UnixSecondsQueryField(required=False, help_text="Only lines created at or after (Unix s)."),
        "created[lt]": UnixSecondsQueryField(required=False, help_text="Only lines created before (Unix seconds)."),
        "__doc__": "Filters of a wallet's statement.",
        "__module__": __name__,
    },
)


class BalanceTransactionOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    object = ConstantField("balance_transaction")
    amount = serializers.IntegerField(help_text="Signed from the wallet's view: + money in, - money out.")
    source = serializers.CharField(help_text="Id of the object that caused it (tr_…, po_…, pi_…, re_…, je_…).")
    balance_after = serializers.IntegerField(help_text="The available balance right after this transaction.")
    created = UnixTimestampField()

    class Meta:
        model = BalanceTransaction
        fields = ["id", "object", "amount", "currency", "type", "description", "source", "balance_after", "created"]


# --- Fraud outcome ------------------------------------------------------------------


class OutcomeOutput(serializers.Serializer):
    """The contract's fraud `outcome` of a transfer or payout (stored on the object when it was assessed)."""

    type = serializers.ChoiceField(choices=[outcome.value for outcome in OutcomeType])
    risk_level = serializers.ChoiceField(choices=[level.value for level in RiskLevel])
    risk_score = serializers.IntegerField(min_value=0, max_value=99)
    rules = serializers.ListField(child=serializers.CharField(), help_text="Names of the matched rules.")
    reason = serializers.CharField(allow_null=True)


# --- Transfers ----------------------------------------------------------------------


class TransferCreateInput(serializers.Serializer):
    source_wallet = StrictCharField(max_length=PUBLIC_ID_MAX_LENGTH, help_text="One of your wallets (wal_…).")
    destination_wallet = StrictCharField(
        max_length=PUBLIC_ID_MAX_LENGTH, help_text="Any wallet in the same currency (wal_…)."
    )
    amount = AmountField()
    description = StrictCharField(max_length=500, required=False, allow_blank=True, default="")
    metadata = MetadataField()


class TransferOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    object = ConstantField("transfer")
    amount = serializers.IntegerField()
    source_wallet = serializers.CharField(source="source_wallet.public_id")
    destination_wallet = serializers.CharField(source="destination_wallet.public_id")
    metadata = MetadataField(read_only=True)
    status = serializers.CharField(
        help_text="succeeded; reversed when a fraud review rejected it and the held money went back to the sender."
    )
    outcome = OutcomeOutput(allow_null=True, help_text="Fraud screening's outcome (null for transfers made before it).")
    created = UnixTimestampField()

    class Meta:
        model = Transfer
        fields = [
            "id",
            "object",
            "amount",
            "currency",
            "source_wallet",
            "destination_wallet",
            "description",
            "metadata",
            "status",
            "outcome",
            "created",
        ]

    def to_representation(self, transfer: Transfer) -> dict:
        return transfer_representation(transfer)


# --- Payouts ------------------------------------------------------------------------


class PayoutDestinationInput(serializers.Serializer):
    """Never echoed: an invalid account number's message does not repeat it."""

    account_number = StrictCharField(
        trim_whitespace=False,
        write_only=True,
        validators=[RegexValidator(r"^[0-9]{4,17}\Z", "An account number is 4 to 17 digits.")],
        help_text="4 to 17 digits. Only the last four are stored.",
    )
    routing_number = StrictCharField(
        trim_whitespace=False,
        validators=[RegexValidator(r"^[0-9]{9}\Z", "A routing number is 9 digits.")],
        help_text="The 9-digit ABA routing number.",
    )


class PayoutCreateInput(serializers.Serializer):
    wallet = StrictCharField(max_length=PUBLIC_ID_MAX_LENGTH, help_text="One of your wallets (wal_…).")
    amount = AmountField()
    destination = PayoutDestinationInput()
    description = StrictCharField(max_length=500, required=False, allow_blank=True, default="")
    metadata = MetadataField()


class PayoutDestinationOutput(serializers.Serializer):
    last4 = serializers.CharField(source="account_last4")
    routing_number = serializers.CharField()


class PayoutOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    object = ConstantField("payout")
    amount = serializers.IntegerField()
    wallet = serializers.CharField(source="wallet.public_id")
    destination = PayoutDestinationOutput(source="*")
    metadata = MetadataField(read_only=True)
    failure_code = serializers.CharField(allow_null=True, help_text="no_account, account_closed, … when failed.")
    failure_message = serializers.CharField(allow_null=True)
    arrival_date = UnixTimestampField(help_text="When the bank is expected to settle it (Unix seconds).")
    outcome = OutcomeOutput(
        allow_null=True,
        help_text="Fraud screening's outcome; manual_review holds the payout until the review is closed.",
    )
    created = UnixTimestampField()

    class Meta:
        model = Payout
        fields = [
            "id",
            "object",
            "amount",
            "currency",
            "wallet",
            "status",
            "destination",
            "description",
            "metadata",
            "failure_code",
            "failure_message",
            "arrival_date",
            "outcome",
            "created",
        ]

    def to_representation(self, payout: Payout) -> dict:
        return payout_representation(payout)
