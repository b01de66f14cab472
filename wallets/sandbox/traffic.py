"""`simulate_traffic --mode wallets`: the simulated traffic moves real money through wallets services.

Registered from `WalletsConfig.ready()` with `fraud.api.register_runner` (fraud never
imports wallets). Each simulated attempt becomes:

- `payment`: payments sit above wallets, so this runner cannot create payment intents. It runs
  the attempt through fraud exactly as `assess` mode does and, unless blocked or declined by
  the issuer, credits the amount to the user's wallet as a `top_up` (debit
  `processor_receivable`): the money the user's later transfers and payouts spend.
- `transfer`: a real `transfer_create` to the currency's simulation counterparty wallet.
- `payout`: a real `payout_create` to a bank account derived from the attempt's destination.

Transfers and payouts assess themselves (with the simulated clock `occurred_at`, so velocity
windows see the simulated timeline); their feature-log rows are then labeled with the
attempt's label. A blocked attempt writes nothing in wallets, so the runner writes its
feature-log row itself (object type `simulation`). When a source wallet cannot cover the
amount it is topped up first (entry kind `top_up`, description "simulated funding"), so the
simulation exercises screening, not insufficient funds. Reviews opened along the way are
closed at once as an operator who knew the label would: fraud rejected (money back to the
sender / the payout fails), legitimate approved (funds released / the payout may settle).
"""

from __future__ import annotations

import hashlib

from accounts.api import User
from fraud.api import (
    BlockedByFraudScreening,
    OutcomeType,
    Review,
    SimulatedAttempt,
    assess_only_runner,
    assessment_label,
    assessment_record,
    review_close,
)
from ledger.api import JournalEntry, debit, system_account
from wallets.models import BalanceTransaction, Wallet
from wallets.services import WalletLine, payout_create, transfer_create, wallet_create, wallet_post_entry

COUNTERPARTY_EMAIL = "sim-counterparty-{currency}@simulation.invalid"
ROUTING_NUMBER = "110000000"


def _wallet(user, currency: str) -> Wallet:
    wallet = Wallet.objects.select_related("available_account").filter(user=user, currency=currency).first()
    if wallet is None:
        wallet_create(user=user, currency=currency)
        wallet = Wallet.objects.select_related("available_account").get(user=user, currency=currency)
    return wallet


def _counterparty_wallet(currency: str) -> Wallet:
    email = COUNTERPARTY_EMAIL.format(currency=currency)
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password=None, name="simulation counterparty"
    )
    return _wallet(user, currency)


def _top_up(wallet: Wallet, amount: int, *, source: str, description: str) -> None:
    receivable = system_account(purpose="processor_receivable", currency=wallet.currency)
    wallet_post_entry(
        wallet_lines=[
            WalletLine(wallet=wallet, amount=amount, type=BalanceTransaction.Type.TOP_UP, source=None, description="")
        ],
        lines=[debit(receivable, amount)],
        kind=JournalEntry.Kind.TOP_UP,
        description=description,
        metadata={"simulation": source},
    )


def _cover(wallet: Wallet, amount: int, index: int) -> None:
    wallet.available_account.refresh_from_db(fields=["balance"])
    short = amount - wallet.available_account.balance
    if short > 0:
        _top_up(wallet, short, source=f"sim_{index}", description="simulated funding")


def _account_number(attempt: SimulatedAttempt) -> str:
    """A 12-digit test account number (paid by the bank simulator) stable for the attempt's destination."""
    seed = attempt.context.destination_fingerprint or f"{attempt.context.user_id}"
    digits = int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 10**10
    return f"42{digits:010d}"


def _close_review(object_type: str, object_id: str, fraudulent: bool) -> None:
    review = Review.objects.filter(object_type=object_type, object_id=object_id, status=Review.Status.OPEN).first()
    if review is not None:
        review_close(review=review, approve=not fraudulent, actor=None)


def wallets_runner(attempt: SimulatedAttempt, index: int) -> str:
    """Run one simulated attempt through wallets (see the module docstring); returns its outcome type."""
    context = attempt.context
    if context.operation == "payment":
        outcome = assess_only_runner(attempt, index)
        if outcome != OutcomeType.BLOCKED and not attempt.issuer_declines:
            user = User.objects.get(pk=context.user_id)
            _top_up(
                _wallet(user, context.currency),
                context.amount,
                source=f"sim_{index}_{attempt.pattern}",
                description="simulated card payment",
            )
        return outcome
    user = User.objects.get(pk=context.user_id)
    wallet = _wallet(user, context.currency)
    _cover(wallet, context.amount, index)
    try:
        if context.operation == "transfer":
            made = transfer_create(
                user=user,
                source_wallet=wallet.public_id,
                destination_wallet=_counterparty_wallet(context.currency).public_id,
                amount=context.amount,
                description="simulated transfer",
                ip=context.ip,
                occurred_at=context.occurred_at,
            )
        else:
            made = payout_create(
                user=user,
                wallet=wallet.public_id,
                amount=context.amount,
                account_number=_account_number(attempt),
                routing_number=ROUTING_NUMBER,
                description="simulated payout",
                ip=context.ip,
                destination=context.destination_fingerprint,
                occurred_at=context.occurred_at,
            )
    except BlockedByFraudScreening as blocked:
        assessment_record(
            context=blocked.context,
            assessment=blocked.assessment,
            object_type="simulation",
            object_id=f"sim_{index}_{attempt.pattern}",
            label=attempt.fraudulent,
            label_source="simulated",
        )
        return OutcomeType.BLOCKED
    assessment_label(
        object_type=context.operation, object_id=made.public_id, fraudulent=attempt.fraudulent, source="simulated"
    )
    outcome = made.outcome["type"]
    if outcome == OutcomeType.MANUAL_REVIEW:
        _close_review(context.operation, made.public_id, attempt.fraudulent)
    return outcome
