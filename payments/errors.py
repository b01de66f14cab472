"""Errors of the payments context, with their stable API codes."""

from payments_platform.api.errors import APIError, CardError, InvalidRequest, ResourceMissing, ServiceUnavailable


class CardInvalid(InvalidRequest):
    """A card field failed validation at tokenization (400; the code names which: invalid_number, ...).

    Stripe answers these with a 402 card_error when a charge is attempted; at tokenization a 400
    invalid_request_error is what "every bad input gets a clear 4xx" needs (docs/payments.md).
    """

    code = "invalid_number"
    default_message = "The card number is invalid."


class PaymentMethodMissing(ResourceMissing):
    default_message = "No such payment method."


class PaymentIntentMissing(ResourceMissing):
    default_message = "No such payment intent."


class RefundMissing(ResourceMissing):
    default_message = "No such refund."


class PaymentIntentUnexpectedState(InvalidRequest):
    """The intent's status does not allow this action (Stripe's state machine)."""

    code = "payment_intent_unexpected_state"
    default_message = "This action is not allowed in the payment intent's current status."


class AmountTooLarge(InvalidRequest):
    """A capture beyond the capturable amount, or refunds beyond the captured amount."""

    code = "amount_too_large"
    default_message = "The amount is larger than what remains."


class CardDeclined(CardError):
    """402 card_error: the connector declined (with `decline_code`), or no connector could process."""

    code = "card_declined"


class NoConnectorAvailable(ServiceUnavailable):
    """Every eligible connector is skipped (circuit open) or none is configured for the payment."""

    code = "connector_unavailable"
    default_message = "No payment connector is available for this payment right now. Retry later."


# --- Disputes ------------------------------------------------------------------------------


class DisputeMissing(ResourceMissing):
    default_message = "No such dispute."


class ChargeDisputed(InvalidRequest):
    """A refund of a payment under dispute (or lost to one): the dispute decides where the money goes."""

    code = "charge_disputed"
    default_message = "This payment is disputed and cannot be refunded."


class DisputeAlreadySubmitted(InvalidRequest):
    code = "dispute_already_submitted"
    default_message = "Evidence for this dispute has already been submitted."


class DisputeClosed(InvalidRequest):
    code = "dispute_closed"
    default_message = "This dispute is closed."


class NotificationSignatureInvalid(InvalidRequest):
    """A processor notification whose Standard Webhooks signature does not verify: nothing happened."""

    code = "signature_invalid"
    default_message = "The notification's signature is missing or invalid."


class ConnectorMissing(ResourceMissing):
    default_message = "No such connector."


class ConnectorFailed(APIError):
    """The connector could not capture or void (502 api_error); the intent is unchanged."""

    status_code = 502
    error_type = "api_error"
    code = "connector_error"
    default_message = "The payment processor could not complete this request. Retry later."
