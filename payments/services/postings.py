"""The ledger entries of payments: capture (payment + fee), refund, refund reversal.

Money moves only through `wallets.services.wallet_post_entry`, so every wallet movement is also a
line of the wallet's statement (balance transactions `payment`, `fee`, `refund`).

Fee rule (the one rounding rule): fee = amount x PLATFORM_FEE_PERCENT / 100, rounded half-up to
the minor unit, plus PLATFORM_FEE_FIXED, capped at the amount.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from ledger.models import Account, JournalEntry
from ledger.services import account_create, credit, debit, system_account
from payments.models import PaymentIntent, Refund
from payments_platform.api.errors import ParameterInvalid
from wallets.models import BalanceTransaction
from wallets.services import WalletLine, wallet_post_entry


def platform_fee(amount: int) -> int:
    """The platform's fee on a captured `amount` (minor units): percent rounded half-up, plus fixed, <= amount."""
    percent = Decimal(str(settings.PLATFORM_FEE_PERCENT))
    variable = (Decimal(amount) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(0, min(int(variable) + int(settings.PLATFORM_FEE_FIXED), amount))


def receivable_account(*, connector: str, currency: str) -> Account:
    """The asset account of what `connector` owes us in `currency` (code connector:<name>:receivable:<ccy>),
    created on first use; concurrent first uses agree on one row (unique code)."""
    code = f"connector:{connector}:receivable:{currency}"
    account = Account.objects.filter(code=code).first()
    if account is not None:
        return account
    try:
        return account_create(
            code=code,
            name=f"Receivable from {connector} ({currency.upper()})",
            type=Account.Type.ASSET,
            currency=currency,
            allow_negative=True,
        )
    except ParameterInvalid:  # created concurrently
        return Account.objects.get(code=code)


def capture_post(*, intent: PaymentIntent, amount: int, request_id: str = "") -> tuple[JournalEntry, int]:
    """Post a capture of `amount`: debit the connector receivable with it, credit the wallet with it
    (statement line `payment`), debit the wallet with the fee (line `fee`), credit fee revenue.
    Returns the entry and the fee. Must run in the caller's transaction (with the intent's update)."""
    fee = platform_fee(amount)
    wallet_lines = [
        WalletLine(
            wallet=intent.wallet,
            amount=amount,
            type=BalanceTransaction.Type.PAYMENT,
            source=intent.public_id,
            description=intent.description or f"Card payment {intent.public_id}",
        )
    ]
    lines = [debit(receivable_account(connector=intent.connector, currency=intent.currency), amount)]
    if fee:
        wallet_lines.append(
            WalletLine(
                wallet=intent.wallet,
                amount=-fee,
                type=BalanceTransaction.Type.FEE,
                source=intent.public_id,
                description=f"Platform fee on {intent.public_id}",
            )
        )
        lines.append(credit(system_account(purpose="fees", currency=intent.currency), fee))
    entry, _ = wallet_post_entry(
        wallet_lines=wallet_lines,
        lines=lines,
        kind="payment_capture",
        description=f"Capture of {intent.public_id}",
        reference=intent.public_id,
        metadata={"payment_intent": intent.public_id, "connector": intent.connector, "fee": str(fee)},
        created_by=intent.user,
        request_id=request_id,
    )
    return entry, fee


def refund_post(*, refund: Refund, intent: PaymentIntent, request_id: str = "") -> JournalEntry:
    """Take the refund from the wallet (line `refund`, -amount) and reduce the connector receivable.
    Raises `InsufficientFunds` (nothing written) when the wallet cannot cover it."""
    entry, _ = wallet_post_entry(
        wallet_lines=[
            WalletLine(
                wallet=intent.wallet,
                amount=-refund.amount,
                type=BalanceTransaction.Type.REFUND,
                source=refund.public_id,
                description=f"Refund {refund.public_id} of {intent.public_id}",
            )
        ],
        lines=[credit(receivable_account(connector=intent.connector, currency=intent.currency), refund.amount)],
        kind="refund",
        description=f"Refund {refund.public_id} of {intent.public_id}",
        reference=refund.public_id,
        metadata={"refund": refund.public_id, "payment_intent": intent.public_id},
        created_by=intent.user,
        request_id=request_id,
    )
    return entry


def refund_reversal_post(*, refund: Refund, intent: PaymentIntent) -> JournalEntry:
    """The connector refused a refund: give the money back to the wallet (line `refund`, +amount)."""
    entry, _ = wallet_post_entry(
        wallet_lines=[
            WalletLine(
                wallet=intent.wallet,
                amount=refund.amount,
                type=BalanceTransaction.Type.REFUND,
                source=refund.public_id,
                description=f"Refund {refund.public_id} failed: amount returned",
            )
        ],
        lines=[debit(receivable_account(connector=intent.connector, currency=intent.currency), refund.amount)],
        kind="refund_reversal",
        description=f"Refund {refund.public_id} failed at {intent.connector}",
        reference=refund.public_id,
        metadata={"refund": refund.public_id, "payment_intent": intent.public_id},
        created_by=intent.user,
    )
    return entry
