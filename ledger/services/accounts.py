"""Ledger accounts: creating one, and the platform's system accounts per purpose and currency."""

from django.db import IntegrityError, transaction

from ledger.currencies import is_iso_currency, is_supported_currency
from ledger.models import Account
from payments_platform.api.errors import ParameterInvalid

# purpose -> (account type, may it go negative?). Codes are f"platform:{purpose}:{currency}".
SYSTEM_ACCOUNT_PURPOSES: dict[str, tuple[str, bool]] = {
    "processor_receivable": (Account.Type.ASSET, True),  # owed to us by the card processor
    "platform_cash": (Account.Type.ASSET, True),  # our money at the bank
    "fees": (Account.Type.REVENUE, False),  # fee revenue
    "payouts_in_transit": (Account.Type.LIABILITY, False),  # paid out, not yet settled by the bank
    "adjustments": (Account.Type.EQUITY, True),  # operator corrections, opening balances
    "processor_fees": (Account.Type.EXPENSE, False),  # what the processor charges us
}


def account_create(*, code: str, type: str, currency: str, allow_negative: bool = False, name: str = "") -> Account:
    """Create an account with a zero balance.

    Raises `ParameterInvalid` for an unknown type (param "type"), a currency that is not a
    lowercase ISO 4217 code (param "currency"), or a code already taken (param "code").
    """
    if type not in Account.Type.values:
        raise ParameterInvalid(f"Unknown account type {type!r}.", param="type")
    if not is_iso_currency(currency) or currency != currency.lower():
        raise ParameterInvalid(f"Unknown currency {currency!r}.", param="currency")
    if not code:
        raise ParameterInvalid("An account code is required.", param="code")
    try:
        with transaction.atomic():
            return Account.objects.create(
                code=code, name=name, type=type, currency=currency, allow_negative=allow_negative
            )
    except IntegrityError:
        raise ParameterInvalid(f"An account with code {code!r} already exists.", param="code") from None


def system_account(*, purpose: str, currency: str) -> Account:
    """The platform's account for `purpose` in `currency` (code f"platform:{purpose}:{currency}").

    Migrations create them for `SUPPORTED_CURRENCIES`; one missing (a currency added to the setting
    later) is created here, race-free (get_or_create on the unique code). Raises `ParameterInvalid`
    for an unknown purpose or an unsupported currency.
    """
    if purpose not in SYSTEM_ACCOUNT_PURPOSES:
        raise ParameterInvalid(f"Unknown system account purpose {purpose!r}.", param="purpose")
    if not is_supported_currency(currency):
        raise ParameterInvalid(f"Unsupported currency {currency!r}.", param="currency")
    account_type, allow_negative = SYSTEM_ACCOUNT_PURPOSES[purpose]
    code = f"platform:{purpose}:{currency}"
    account = Account.objects.filter(code=code).first()
    if account is None:
        account, _ = Account.objects.get_or_create(
            code=code,
            defaults={
                "name": f"{purpose.replace('_', ' ').capitalize()} ({currency.upper()})",
                "type": account_type,
                "currency": currency,
                "allow_negative": allow_negative,
            },
        )
    return account
