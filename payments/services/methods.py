"""Tokenizing a card into a payment method."""

import structlog

from payments.cards import card_brand, card_fingerprint, validate_card
from payments.models import PaymentMethod
from payments.sandbox.connector import vault_tokenize

logger = structlog.get_logger(__name__)


def payment_method_create(*, user, number: str, exp_month: int, exp_year: int, cvc: str) -> PaymentMethod:
    """Validate the card (`CardInvalid` with its param), tokenize it with the vault, and store the
    payment method: brand, IIN, last4, expiry, keyed fingerprint, country and vault token.

    The number and the CVC are used here and dropped: no table, log line or response holds them.
    """
    validate_card(number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc)
    brand = card_brand(number)
    vaulted = vault_tokenize(number=number, brand=brand)
    method = PaymentMethod.objects.create(
        user=user,
        type="card",
        brand=brand,
        iin=number[:6],
        last4=number[-4:],
        exp_month=exp_month,
        exp_year=exp_year,
        fingerprint=card_fingerprint(number),
        country=vaulted.country,
        vault_token=vaulted.token,
    )
    logger.info("payment_method_created", payment_method=method.public_id, brand=brand)
    return method
