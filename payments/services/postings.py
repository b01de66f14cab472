"""The ledger entries of payments: capture (payment + fee), refund, refund reversal, and the
fraud-review variants (capture held in the wallet's pending account, its release, its refund).

Money moves only through `wallets.services.wallet_post_entry`, so every wallet movement is also a
line of the wallet's statement (balance transactions `payment`, `fee`, `refund`).

Fee rule (the one rounding rule): fee = amount x PLATFORM_FEE_PERCENT / 100, rounded half-up to
the minor unit, plus PLATFORM_FEE_FIXED, capped at the amount.

A refund's fee share (REFUND_FEE_POLICY=return): cumulative and rounded down, see `refund_fee_share`.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from ledger.api import Account, JournalEntry, account_get_or_create, account_shard_code, credit, debit, system_account
from payments.models import PaymentIntent, Refund
from wallets.api import BalanceTransaction, WalletLine, wallet_post_entry


def platform_fee(amount: int) -> int:
    """The platform's fee on a captured `amount` (minor units): percent rounded half-up, plus fixed, <= amount."""
    percent = Decimal(str(settings.PLATFORM_FEE_PERCENT))
    variable = (Decimal(amount) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(0, min(int(variable) + int(settings.PLATFORM_FEE_FIXED), amount))


def refund_fee_share(*, intent: PaymentIntent, amount: int, fee_already_returned: int) -> int:
    """The part of the intent's platform fee that a refund of `amount` gives back (minor units).

    `retain`: 0. `return`: the fee share of everything refunded so far including this refund,
    rounded down, less what earlier refunds that did not fail already gave back:
    floor(fee x (amount_refunded + amount) / amount_received) - fee_already_returned, never below 0.
    Rounding down means the shares never add up to more than the fee; the last refund (the one
    that brings the refunded total to amount_received) gets floor(fee x 1) - returned, i.e. all
    that remains. Call it under the intent's row lock (the refunded totals must not move).
    """
    if settings.REFUND_FEE_POLICY != "return" or not intent.fee or not intent.amount_received:
        return 0
    cumulative = intent.fee * (intent.amount_refunded + amount) // intent.amount_received
    return max(0, min(cumulative, intent.fee) - fee_already_returned)


def receivable_account(*, connector: str, currency: str, shard_key: int | None = None) -> Account:
    """The asset account of what `connector` owes us in `currency` (code connector:<name>:receivable:<ccy>),
    or with `shard_key` (a payment intent's pk) its shard for that key, so that concurrent captures
    lock different rows (ledger.services.accounts). Created on first use; concurrent first uses agree
    on one row (unique code)."""
    code = account_shard_code(code=f"connector:{connector}:receivable:{currency}", shard_key=shard_key)
    return account_get_or_create(
        code=code,
        name=f"Receivable from {connector} ({currency.upper()})",
        type=Account.Type.ASSET,
        currency=currency,
        allow_negative=True,
    )


def intent_receivable(intent: PaymentIntent) -> Account:
    """The receivable shard that `intent`'s capture, refunds and disputes post to."""
    return receivable_account(connector=intent.connector, currency=intent.currency, shard_key=intent.pk)


def intent_fees(intent: PaymentIntent) -> Account:
    """The fee revenue shard that `intent`'s fee (and its refunds' fee shares, its dispute fee) post to."""
    return system_account(purpose="fees", currency=intent.currency, shard_key=intent.pk)


def _payment_and_fee_lines(*, intent: PaymentIntent, amount: int, fee: int, note: str = "") -> list[WalletLine]:
    """The statement lines of a payment: `payment` +amount and `fee` -fee (none when the fee is 0)."""
    lines = [
        WalletLine(
            wallet=intent.wallet,
            amount=amount,
            type=BalanceTransaction.Type.PAYMENT,
            source=intent.public_id,
            description=(intent.description or f"Card payment {intent.public_id}") + note,
        )
    ]
    if fee:
        lines.append(
            WalletLine(
                wallet=intent.wallet,
                amount=-fee,
                type=BalanceTransaction.Type.FEE,
                source=intent.public_id,
                description=f"Platform fee on {intent.public_id}",
            )
        )
    return lines


def capture_post(
    *, intent: PaymentIntent, amount: int, request_id: str = "", held: bool = False
) -> tuple[JournalEntry, int]:
    """Post a capture of `amount`: debit the connector receivable with it, credit the wallet with it
    (statement line `payment`), debit the wallet with the fee (line `fee`), credit fee revenue.
    Returns the entry and the fee. Must run in the caller's transaction (with the intent's update).

    `held` (the payment is under fraud review): the wallet's credit and fee go to its *pending*
    account instead (credit gross, debit fee: `balance.pending` rises by the net) and no statement
    line is written until `review_release_post` moves the net to available.
    """
    fee = platform_fee(amount)
    if held:
        pending = intent.wallet.pending_account_id
        lines = [
            debit(intent_receivable(intent), amount),
            credit(pending, amount),
        ]
        if fee:
            lines += [debit(pending, fee), credit(intent_fees(intent), fee)]
        entry, _ = wallet_post_entry(
            wallet_lines=[],
            lines=lines,
            kind=JournalEntry.Kind.PAYMENT_CAPTURE,
            description=f"Capture of {intent.public_id} (held for fraud review)",
            reference=intent.public_id,
            metadata={
                "payment_intent": intent.public_id,
                "connector": intent.connector,
                "fee": str(fee),
                "held_for_review": True,
            },
            created_by=intent.user,
            request_id=request_id,
        )
        return entry, fee
    wallet_lines = _payment_and_fee_lines(intent=intent, amount=amount, fee=fee)
    lines = [debit(intent_receivable(intent), amount)]
    if fee:
        lines.append(credit(intent_fees(intent), fee))
    entry, _ = wallet_post_entry(
        wallet_lines=wallet_lines,
        lines=lines,
        kind=JournalEntry.Kind.PAYMENT_CAPTURE,
        description=f"Capture of {intent.public_id}",
        reference=intent.public_id,
        metadata={"payment_intent": intent.public_id, "connector": intent.connector, "fee": str(fee)},
        created_by=intent.user,
        request_id=request_id,
    )
    return entry, fee


def review_release_post(*, intent: PaymentIntent, review_id: str, actor=None, request_id: str = "") -> JournalEntry:
    """An approved review: move the held net (amount received - fee) from the wallet's pending account
    to available (entry kind `review_release`, reference pi_…). The statement gets the lines a normal
    capture writes, `payment` +amount and `fee` -fee, so it reads as if the payment had not been held."""
    net = intent.amount_received - intent.fee
    lines = [debit(intent.wallet.pending_account_id, net)] if net else []
    entry, _ = wallet_post_entry(
        wallet_lines=_payment_and_fee_lines(
            intent=intent, amount=intent.amount_received, fee=intent.fee, note=" (released after review)"
        ),
        lines=lines,
        kind=JournalEntry.Kind.REVIEW_RELEASE,
        description=f"Payment {intent.public_id} released (review {review_id})",
        reference=intent.public_id,
        metadata={"payment_intent": intent.public_id, "review": review_id},
        created_by=actor,
        request_id=request_id,
    )
    return entry


def _held_refund_lines(*, refund: Refund, intent: PaymentIntent, sign: int) -> list:
    """A held payment's refund (sign +1) or its reversal (-1): the wallet's pending account gives
    back the net, fee revenue returns the fee, the connector receivable the gross."""
    net, fee = refund.amount - intent.fee, intent.fee
    receivable = intent_receivable(intent)
    lines = [credit(receivable, refund.amount) if sign > 0 else debit(receivable, refund.amount)]
    if net:
        pending = intent.wallet.pending_account_id
        lines.append(debit(pending, net) if sign > 0 else credit(pending, net))
    if fee:
        fees = intent_fees(intent)
        lines.append(debit(fees, fee) if sign > 0 else credit(fees, fee))
    return lines


def _refund_wallet_lines(*, refund: Refund, intent: PaymentIntent, sign: int) -> list[WalletLine]:
    """A refund's statement lines (sign -1), or its reversal's (+1): `refund` for the amount and,
    when it returns a fee share, `fee` for that share the other way."""
    failed = sign > 0
    lines = [
        WalletLine(
            wallet=intent.wallet,
            amount=sign * refund.amount,
            type=BalanceTransaction.Type.REFUND,
            source=refund.public_id,
            description=(
                f"Refund {refund.public_id} failed: amount returned"
                if failed
                else f"Refund {refund.public_id} of {intent.public_id}"
            ),
        )
    ]
    if refund.fee_refunded:
        lines.append(
            WalletLine(
                wallet=intent.wallet,
                amount=-sign * refund.fee_refunded,
                type=BalanceTransaction.Type.FEE,
                source=refund.public_id,
                description=(
                    f"Platform fee share of refund {refund.public_id} taken back"
                    if failed
                    else f"Platform fee returned with refund {refund.public_id}"
                ),
            )
        )
    return lines


def refund_post(*, refund: Refund, intent: PaymentIntent, request_id: str = "", created_by=None) -> JournalEntry:
    """Take the refund from the wallet and reduce the connector receivable; with a fee share
    (`refund.fee_refunded`, REFUND_FEE_POLICY=return) fee revenue gives that share back to the
    wallet in the same entry, so the wallet pays `amount - fee_refunded`. Statement lines `refund`
    -amount and `fee` +share. Raises `InsufficientFunds` (nothing written) when the wallet cannot
    cover what it pays. `created_by`: the
    operator who issued it (default: the payment's owner).

    `refund.from_held_funds` (a rejected fraud review refunds the whole payment): the net comes
    from the wallet's pending account and the platform returns its fee, so the wallet ends as if
    the payment never happened; no statement line (none was written for the held payment)."""
    return _refund_entry(refund=refund, intent=intent, reversal=False, request_id=request_id, created_by=created_by)


def refund_reversal_post(*, refund: Refund, intent: PaymentIntent) -> JournalEntry:
    """The connector refused a refund: give the money back to the wallet (line `refund`, +amount)
    and the fee share back to fee revenue (line `fee`, -share): the exact mirror of `refund_post`.
    A held payment's refund goes back where it came from (pending account, fee revenue)."""
    return _refund_entry(refund=refund, intent=intent, reversal=True, request_id="", created_by=None)


def _refund_entry(
    *, refund: Refund, intent: PaymentIntent, reversal: bool, request_id: str, created_by
) -> JournalEntry:
    """A refund's entry, or (`reversal`) its exact mirror."""
    if refund.from_held_funds:
        wallet_lines = []
        lines = _held_refund_lines(refund=refund, intent=intent, sign=-1 if reversal else +1)
        if reversal:
            description = f"Refund {refund.public_id} failed at {intent.connector} (held funds restored)"
        else:
            description = f"Refund {refund.public_id} of {intent.public_id} (rejected by fraud review)"
        metadata = {"refund": refund.public_id, "payment_intent": intent.public_id, "held_for_review": True}
    else:
        receivable = intent_receivable(intent)
        lines = [debit(receivable, refund.amount) if reversal else credit(receivable, refund.amount)]
        if refund.fee_refunded:
            fees = intent_fees(intent)
            lines.append(credit(fees, refund.fee_refunded) if reversal else debit(fees, refund.fee_refunded))
        wallet_lines = _refund_wallet_lines(refund=refund, intent=intent, sign=+1 if reversal else -1)
        if reversal:
            description = f"Refund {refund.public_id} failed at {intent.connector}"
        else:
            description = f"Refund {refund.public_id} of {intent.public_id}"
        metadata = {
            "refund": refund.public_id,
            "payment_intent": intent.public_id,
            "fee_refunded": str(refund.fee_refunded),
        }
    entry, _ = wallet_post_entry(
        wallet_lines=wallet_lines,
        lines=lines,
        kind=JournalEntry.Kind.REFUND_REVERSAL if reversal else JournalEntry.Kind.REFUND,
        description=description,
        reference=refund.public_id,
        metadata=metadata,
        created_by=created_by or intent.user,
        request_id=request_id,
    )
    return entry
