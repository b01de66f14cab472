"""Factories of the payments tests: payment methods tokenized through the real service.

`PaymentMethodFactory(user=..., number=...)` and its shorthand `payment_method(user, number)` run
`payment_method_create`, so the vault token, fingerprint and brand are what production writes.
Intents, attempts, refunds and disputes are made through the API or the services in the tests
(their state machines are what the tests check); `payments.tests.support` has those helpers.
"""

from datetime import date

import factory

from accounts.tests.factories import UserFactory
from payments.models import PaymentMethod
from payments.services import payment_method_create

CARDS = {
    "visa": "4242424242424242",
    "mastercard": "5555555555554444",
    "generic_decline": "4000000000000002",
    "insufficient_funds": "4000000000009995",
    "expired_card": "4000000000000069",
    "incorrect_cvc": "4000000000000127",
    "processing_error": "4000000000000119",
    "fraud_highest": "4100000000000019",
    "fraud_elevated": "4000000000009235",
}
EXP_YEAR = date.today().year + 3


class PaymentMethodFactory(factory.django.DjangoModelFactory):
    """A card of `user`, tokenized by `payment_method_create` (the number and CVC are never stored)."""

    class Meta:
        model = PaymentMethod

    user = factory.SubFactory(UserFactory)
    number = CARDS["visa"]
    exp_month = 12
    exp_year = EXP_YEAR
    cvc = "123"

    @classmethod
    def _create(cls, model_class, *, user, number, exp_month, exp_year, cvc, **kwargs) -> PaymentMethod:
        return payment_method_create(user=user, number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc)


def payment_method(user, number: str = CARDS["visa"], cvc: str = "123") -> PaymentMethod:
    return PaymentMethodFactory(user=user, number=number, cvc=cvc)
