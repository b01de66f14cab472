"""The one check of an amount that a client asks a transfer or payout to move."""

from django.conf import settings

from payments_platform.api.errors import ParameterInvalid

POSITIVE_AMOUNT_MESSAGE = "amount: Amount must be a positive integer in the currency's minor unit."


def amount_validate(*, amount) -> int:
    """Return `amount` when it is an integer (not a bool) from 1 to `MAX_AMOUNT` minor units.

    Raises `ParameterInvalid` (param "amount") otherwise, with the messages the API has always
    given. The API's input serializers pass the amount through unchecked: this is the only check.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise ParameterInvalid(POSITIVE_AMOUNT_MESSAGE, param="amount")
    if amount > settings.MAX_AMOUNT:
        raise ParameterInvalid(f"amount: Amount must be at most {settings.MAX_AMOUNT}.", param="amount")
    return amount
