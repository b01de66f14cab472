"""Ledger accounts: creating one, and the platform's system accounts per purpose and currency.

A system account that every capture touches (fee revenue, a connector's receivable) is a hot row:
each posting waits on its lock. Such an account is spread over `LEDGER_SYSTEM_ACCOUNT_SHARDS`
accounts, chosen per posting by a `shard_key` (a payment intent's primary key). Shard 0 is the
account itself, with its plain code; shard k > 0 has the code f"{code}:shard:{k}" and the same type,
currency and balance rule. Every shard is a real account (its own lock, balance and postings, so
`reconcile_ledger` checks each one); what an operator sees sums them (`account_shard_totals`).
"""

from django.conf import settings
from django.db import IntegrityError, transaction

from ledger.currencies import is_iso_currency, is_supported_currency
from ledger.models import SHARD_SEPARATOR, Account
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


def account_shard_code(*, code: str, shard_key: int | None) -> str:
    """The code of the shard of account `code` that `shard_key` falls on: `code` itself (shard 0)
    when there is no key or one shard, else f"{code}:shard:{shard_key % shards}" when that is not 0.

    The same key always falls on the same shard while the setting is unchanged, so a refund or a
    dispute of a payment debits the fee shard that its capture credited (no shard overdraft)."""
    shards = int(settings.LEDGER_SYSTEM_ACCOUNT_SHARDS)
    shard = 0 if shard_key is None or shards <= 1 else shard_key % shards
    return code if shard == 0 else f"{code}{SHARD_SEPARATOR}{shard}"


def account_get_or_create(*, code: str, type: str, currency: str, allow_negative: bool, name: str) -> Account:
    """The account with `code`, created with these attributes on first use. One query when it exists;
    concurrent first uses agree on one row (the unique code: the loser reads the winner's)."""
    account = Account.objects.filter(code=code).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(
                code=code, name=name, type=type, currency=currency, allow_negative=allow_negative
            )
    except IntegrityError:  # created concurrently
        return Account.objects.get(code=code)


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


def system_account(*, purpose: str, currency: str, shard_key: int | None = None) -> Account:
    """The platform's account for `purpose` in `currency` (code f"platform:{purpose}:{currency}"), or
    with `shard_key` its shard for that key (`account_shard_code`).

    Migrations create shard 0 for `SUPPORTED_CURRENCIES`; one missing (a currency added to the setting
    later, a shard's first use) is created here, race-free (get_or_create on the unique code). Raises
    `ParameterInvalid` for an unknown purpose or an unsupported currency.
    """
    if purpose not in SYSTEM_ACCOUNT_PURPOSES:
        raise ParameterInvalid(f"Unknown system account purpose {purpose!r}.", param="purpose")
    if not is_supported_currency(currency):
        raise ParameterInvalid(f"Unsupported currency {currency!r}.", param="currency")
    account_type, allow_negative = SYSTEM_ACCOUNT_PURPOSES[purpose]
    code = account_shard_code(code=f"platform:{purpose}:{currency}", shard_key=shard_key)
    name = f"{purpose.replace('_', ' ').capitalize()} ({currency.upper()})"
    if code != f"platform:{purpose}:{currency}":
        name += f", shard {code.rsplit(SHARD_SEPARATOR, 1)[1]}"
    return account_get_or_create(
        code=code, type=account_type, currency=currency, allow_negative=allow_negative, name=name
    )
