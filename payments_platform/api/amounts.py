"""The one check of an amount that a client asks a service to move (a transfer, a payout, a payment,
a capture, a refund)."""

from django.conf import settings

from payments_platform.api.errors import ParameterInvalid

POSITIVE_AMOUNT_MESSAGE = "Amount must be a positive integer in the currency's minor unit."


def amount_validate(*, amount, param: str = "amount") -> int:
    """Return `amount` when it is an integer (not a bool) from 1 to `MAX_AMOUNT` minor units.

    Raises `ParameterInvalid` (param `param`) otherwise, with the messages the API has always
    given ("<param>: ..."). The API's input serializers pass amounts through unchecked
    (`AmountField`): services call this once, before anything else, and it is the only check.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise ParameterInvalid(f"{param}: {POSITIVE_AMOUNT_MESSAGE}", param=param)
    if amount > settings.MAX_AMOUNT:
        raise ParameterInvalid(f"{param}: Amount must be at most {settings.MAX_AMOUNT}.", param=param)
    return amount
