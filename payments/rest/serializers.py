"""Input validation and output shapes of the payments API.

Card input fields are write-only and their error messages never repeat the value. The
output serializers answer with `payments.representations`, the shape events carry as `data.object`.
"""

from django.core.validators import URLValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments.models import PaymentAttempt, PaymentIntent, PaymentMethod, Refund
from payments.representations import (
    PAYMENT_ATTEMPT_FIELDS,
    PAYMENT_INTENT_FIELDS,
    REFUND_FIELDS,
    payment_intent_representation,
    refund_representation,
)
from payments_platform.api.fields import (
    AmountField,
    ConstantField,
    CurrencyField,
    MetadataField,
    StrictCharField,
    StrictIntegerField,
    UnixTimestampField,
)
from wallets.api import OutcomeOutput  # the contract's fraud outcome, one schema component

PUBLIC_ID_MAX_LENGTH = 40


class _SecretCharField(StrictCharField):
    """A write-only card string: its errors name the rule, never the value."""

    default_error_messages = {
        **StrictCharField.default_error_messages,
        "invalid": "Must be a string of digits.",
        "max_length": "Too long.",
    }

    def __init__(self, **kwargs):
        super().__init__(write_only=True, trim_whitespace=False, max_length=32, **kwargs)


@extend_schema_field({"type": "integer"})
class _CardIntegerField(StrictIntegerField):
    """A JSON integer (documented as one in the schema)."""


# --- Payment methods --------------------------------------------------------------------


class CardInput(serializers.Serializer):
    number = _SecretCharField(help_text="12 to 19 digits, no spaces. Used once to tokenize; never stored.")
    exp_month = _CardIntegerField(help_text="1 to 12.")
    exp_year = _CardIntegerField(help_text="Four digits.")
    cvc = _SecretCharField(help_text="3 or 4 digits. Used once; never stored.")


class PaymentMethodCreateInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=["card"])
    card = CardInput()


class CardOutput(serializers.Serializer):
    brand = serializers.CharField()
    last4 = serializers.CharField()
    exp_month = serializers.IntegerField()
    exp_year = serializers.IntegerField()
    fingerprint = serializers.CharField(help_text="A keyed hash of the number: equal for equal numbers.")
    country = serializers.CharField(help_text="The issuing country (ISO 3166-1 alpha-2).")


class PaymentMethodOutput(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    object = ConstantField("payment_method")
    type = serializers.CharField()
    card = serializers.SerializerMethodField()
    created = UnixTimestampField()

    @extend_schema_field(CardOutput)
    def get_card(self, method: PaymentMethod) -> dict:
        return {
            "brand": method.brand,
            "last4": method.last4,
            "exp_month": method.exp_month,
            "exp_year": method.exp_year,
            "fingerprint": method.fingerprint,
            "country": method.country,
        }


# --- Payment intents --------------------------------------------------------------------


def _return_url_field() -> serializers.URLField:
    return serializers.URLField(
        max_length=2048,
        required=False,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="3-D Secure: where the authentication page sends the cardholder back (http or https), "
        "with ?payment_intent=pi_… added.",
    )


class PaymentIntentCreateInput(serializers.Serializer):
    amount = AmountField()
    currency = CurrencyField()
    wallet = StrictCharField(max_length=PUBLIC_ID_MAX_LENGTH, help_text="One of your wallets in `currency` (wal_…).")
    payment_method = StrictCharField(max_length=PUBLIC_ID_MAX_LENGTH, required=False, help_text="pm_…")
    confirm = serializers.BooleanField(required=False, default=False)
    capture_method = serializers.ChoiceField(
        choices=PaymentIntent.CaptureMethod.choices, required=False, default="automatic"
    )
    description = StrictCharField(max_length=500, required=False, allow_blank=True, default="")
    metadata = MetadataField()
    return_url = _return_url_field()


class PaymentIntentConfirmInput(serializers.Serializer):
    payment_method = StrictCharField(max_length=PUBLIC_ID_MAX_LENGTH, required=False, help_text="pm_…")
    return_url = _return_url_field()


class PaymentIntentCaptureInput(serializers.Serializer):
    amount_to_capture = AmountField(required=False, help_text="At most amount_capturable; default all of it.")


class PaymentIntentCancelInput(serializers.Serializer):
    cancellation_reason = serializers.ChoiceField(
        choices=["duplicate", "fraudulent", "requested_by_customer", "abandoned"], required=False
    )


class LastPaymentErrorOutput(serializers.Serializer):
    type = serializers.CharField()
    code = serializers.CharField()
    decline_code = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class PaymentAttemptOutput(serializers.ModelSerializer):
    created = UnixTimestampField()

    class Meta:
        model = PaymentAttempt
        fields = list(PAYMENT_ATTEMPT_FIELDS)


class RedirectToUrlOutput(serializers.Serializer):
    url = serializers.CharField(
        allow_null=True, help_text="The authentication page (single use, 10 minutes). Null in event payloads."
    )
    return_url = serializers.CharField(allow_null=True)


class NextActionOutput(serializers.Serializer):
    type = serializers.ChoiceField(choices=["redirect_to_url"])
    redirect_to_url = RedirectToUrlOutput()


class PaymentIntentOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    object = ConstantField("payment_intent")
    amount = serializers.IntegerField()
    amount_capturable = serializers.IntegerField()
    amount_received = serializers.IntegerField()
    amount_refunded = serializers.IntegerField()
    wallet = serializers.CharField(source="wallet.public_id")
    payment_method = serializers.CharField(source="payment_method.public_id", allow_null=True, default=None)
    metadata = MetadataField(read_only=True)
    last_payment_error = serializers.SerializerMethodField()
    next_action = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()
    attempts = serializers.SerializerMethodField()
    canceled_at = UnixTimestampField(allow_null=True)
    created = UnixTimestampField()

    class Meta:
        model = PaymentIntent
        fields = list(PAYMENT_INTENT_FIELDS)

    # The method fields below document the schema; the values come from `payment_intent_representation`.
    @extend_schema_field(LastPaymentErrorOutput(allow_null=True))
    def get_last_payment_error(self, intent: PaymentIntent) -> dict | None: ...

    @extend_schema_field(NextActionOutput(allow_null=True))
    def get_next_action(self, intent: PaymentIntent) -> dict | None:
        """While `requires_action`: the 3-D Secure page (its `url` is null in event payloads)."""

    @extend_schema_field(OutcomeOutput(allow_null=True))
    def get_outcome(self, intent: PaymentIntent) -> dict | None: ...

    @extend_schema_field(PaymentAttemptOutput(many=True))
    def get_attempts(self, intent: PaymentIntent) -> list[dict]: ...

    def to_representation(self, intent: PaymentIntent) -> dict:
        return payment_intent_representation(intent, for_event=False)


# --- Refunds ----------------------------------------------------------------------------


class RefundCreateInput(serializers.Serializer):
    payment_intent = StrictCharField(max_length=PUBLIC_ID_MAX_LENGTH, help_text="pi_…, succeeded.")
    amount = AmountField(required=False, help_text="Default: everything not yet refunded.")
    reason = serializers.ChoiceField(choices=Refund.Reason.choices, required=False)


class RefundOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    object = ConstantField("refund")
    amount = serializers.IntegerField()
    payment_intent = serializers.CharField(source="intent.public_id")
    created = UnixTimestampField()

    class Meta:
        model = Refund
        fields = list(REFUND_FIELDS)

    def to_representation(self, refund: Refund) -> dict:
        return refund_representation(refund)
