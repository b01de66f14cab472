"""`simulate_traffic --mode payments`: the simulated card payments are real payment intents.

Registered from `PaymentsConfig.ready()` with `fraud.api.register_runner` (fraud never
imports payments). Each simulated attempt becomes:

- `payment`: a real card, tokenized with `payment_method_create`, then `payment_intent_create` +
  `payment_intent_confirm` through the connectors, so screening, holds, the ledger and the
  velocity windows (on the simulated clock, `occurred_at`) are the production code's. The card
  number is derived from the simulated card (its BIN, the rest from a hash of the simulated
  fingerprint, a Luhn check digit), so one simulated card is one real fingerprint: a stolen
  card used across accounts is the same fingerprint on several users' payment methods, and a
  card-testing burst is many fresh cards. Playing the issuer, the runner sets the card's
  behaviour in the simulator's vault before each attempt (`generic_decline` when the attempt is
  an issuer decline, else `succeed`) and its issuing country on the payment method.
- `transfer` / `payout`: handed to the wallets runner (real transfers and payouts).

The payment's feature-log rows are labeled with the attempt's label; a review it opens is closed
at once as an operator who knew the label would: fraud rejected (refunded from the pending
balance, the card blocked), legitimate approved (released to available).
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import date

from accounts.api import User
from fraud.api import OutcomeType, Review, SimulatedAttempt, assessment_label, review_close
from payments.cards import card_fingerprint, luhn_valid
from payments.models import PaymentIntent, PaymentMethod, SimulatorVaultCard
from payments.services import payment_intent_confirm, payment_intent_create, payment_method_create
from payments_platform.api.errors import APIError
from wallets.api import Wallet, wallet_create, wallets_runner

EXP_YEAR = date.today().year + 3


def simulated_card_number(*, card_bin: str, fingerprint: str) -> str:
    """A Luhn-valid number for a simulated card: its BIN, digits from its fingerprint, a check digit."""
    length = 15 if card_bin.startswith(("34", "37")) else 16
    digits = str(int(hashlib.sha256(fingerprint.encode()).hexdigest(), 16))
    body = (card_bin + digits)[: length - 1]
    return next(body + str(check) for check in range(10) if luhn_valid(body + str(check)))


def _wallet(user, currency: str) -> Wallet:
    wallet = Wallet.objects.filter(user=user, currency=currency).first()
    return wallet or wallet_create(user=user, currency=currency)


def _payment_method(user, attempt: SimulatedAttempt) -> PaymentMethod:
    """The user's payment method for the attempt's card (tokenized on first use), set up as its issuer would."""
    context = attempt.context
    number = simulated_card_number(card_bin=context.card_bin or "424242", fingerprint=context.card_fingerprint)
    method = PaymentMethod.objects.filter(user=user, fingerprint=card_fingerprint(number)).first()
    if method is None:
        method = payment_method_create(user=user, number=number, exp_month=12, exp_year=EXP_YEAR, cvc="123")
    country = (context.card_country or "us").upper()
    if method.country != country:
        PaymentMethod.objects.filter(pk=method.pk).update(country=country)
    SimulatorVaultCard.objects.filter(token=method.vault_token).update(
        behaviour="generic_decline" if attempt.issuer_declines else "succeed"
    )
    return method


def _close_review(intent_id: str, fraudulent: bool) -> None:
    review = Review.objects.filter(object_type="payment_intent", object_id=intent_id, status=Review.Status.OPEN).first()
    if review is not None:
        review_close(review=review, approve=not fraudulent, actor=None)


def payments_runner(attempt: SimulatedAttempt, index: int) -> str:
    """Run one simulated attempt through payments (see the module docstring); returns its outcome type."""
    context = attempt.context
    if context.operation != "payment":
        return wallets_runner(attempt, index)
    user = User.objects.get(pk=context.user_id)
    wallet = _wallet(user, context.currency)
    method = _payment_method(user, attempt)
    intent = payment_intent_create(
        user=user,
        amount=context.amount,
        currency=context.currency,
        wallet=wallet.public_id,
        payment_method=method.public_id,
        description=f"simulated payment {index} ({attempt.pattern})",
    )
    with contextlib.suppress(APIError):  # blocked (402 fraudulent) or declined by the issuer: kept on the intent
        payment_intent_confirm(user=user, public_id=intent.public_id, ip=context.ip, occurred_at=context.occurred_at)
    intent = PaymentIntent.objects.only("public_id", "outcome", "status").get(pk=intent.pk)
    assessment_label(
        object_type="payment_intent", object_id=intent.public_id, fraudulent=attempt.fraudulent, source="simulated"
    )
    outcome = (intent.outcome or {}).get("type", OutcomeType.AUTHORIZED)
    if outcome == OutcomeType.MANUAL_REVIEW:
        _close_review(intent.public_id, attempt.fraudulent)
    return outcome
