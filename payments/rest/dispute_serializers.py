"""Input validation and output shape of disputes (API.md "Disputes"); the output is
`payments.representations.dispute_representation`, also every dispute event's `data.object`."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments.models import EVIDENCE_FIELDS, EVIDENCE_MAX_CHARACTERS, Dispute
from payments.representations import DISPUTE_FIELDS, dispute_representation
from payments_platform.api.fields import ConstantField, StrictCharField, UnixTimestampField


class _UnknownFieldsRefused(serializers.Serializer):
    """A serializer that answers 400 for a key it does not declare, rather than ignoring it."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({unknown[0]: ["Unknown field."]})
        return super().to_internal_value(data)


# One optional text field per evidence field name (declared from the list, not 27 times by hand).
EvidenceInput = type(
    "EvidenceInput",
    (_UnknownFieldsRefused,),
    {
        "__doc__": "Dispute evidence: Stripe's field names, all text.",
        "__module__": __name__,
        **{
            name: StrictCharField(
                required=False,
                allow_blank=True,
                allow_null=True,
                max_length=EVIDENCE_MAX_CHARACTERS,
                trim_whitespace=False,
            )
            for name in EVIDENCE_FIELDS
        },
    },
)


@extend_schema_field({"type": "boolean"})
class StrictBooleanField(serializers.Field):
    """A JSON boolean: "true", 1 and the like are refused."""

    default_error_messages = {"invalid": "Must be a boolean."}

    def to_internal_value(self, data) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data

    def to_representation(self, value) -> bool:
        return bool(value)


class DisputeUpdateInput(_UnknownFieldsRefused):
    evidence = EvidenceInput(
        required=False,
        help_text=(
            'Evidence fields, merged into what is staged (null or "" clears one). Unknown fields: 400. '
            f"All fields together: at most {EVIDENCE_MAX_CHARACTERS} characters."
        ),
    )
    submit = StrictBooleanField(
        required=False, default=False, help_text="true submits the evidence to the processor (once)."
    )


class EvidenceDetailsOutput(serializers.Serializer):
    due_by = serializers.IntegerField(help_text="Unix seconds: the processor's deadline for evidence.")
    has_evidence = serializers.BooleanField()
    submission_count = serializers.IntegerField()


class DisputeOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    object = ConstantField("dispute")
    amount = serializers.IntegerField()
    payment_intent = serializers.CharField(source="intent.public_id")
    # Plain strings in the schema: a choice set here would collide with the refund's `reason` enum.
    reason = serializers.CharField(help_text="Stripe's reasons: " + ", ".join(Dispute.Reason.values) + ".")
    evidence = serializers.SerializerMethodField()
    evidence_details = serializers.SerializerMethodField()
    balance_transactions = serializers.ListField(
        source="balance_transaction_ids", child=serializers.CharField(), help_text="txn_… ids in the wallet statement."
    )
    created = UnixTimestampField()

    class Meta:
        model = Dispute
        fields = list(DISPUTE_FIELDS)

    # The method fields below document the schema; the values come from `dispute_representation`.
    @extend_schema_field(EvidenceInput)
    def get_evidence(self, dispute: Dispute) -> dict: ...

    @extend_schema_field(EvidenceDetailsOutput)
    def get_evidence_details(self, dispute: Dispute) -> dict: ...

    def to_representation(self, dispute: Dispute) -> dict:
        return dispute_representation(dispute)
