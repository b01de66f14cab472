"""Helpers of the payments tests: payment methods tokenized through the real service."""

from datetime import date

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


def payment_method(user, number: str = CARDS["visa"], cvc: str = "123") -> PaymentMethod:
    return payment_method_create(user=user, number=number, exp_month=12, exp_year=EXP_YEAR, cvc=cvc)
