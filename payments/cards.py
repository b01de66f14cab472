"""Card number rules: Luhn, length, brand from the prefix, expiry, CVC, and the keyed fingerprint.

Every check raises `CardInvalid` with the field's `param` and a message that never repeats the
number or the CVC.
"""

import hashlib
import hmac
from datetime import UTC, datetime

from django.conf import settings

from payments.errors import CardInvalid

FINGERPRINT_LENGTH = 32


def luhn_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = ord(char) - 48
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def card_brand(number: str) -> str:
    """The brand from the number's prefix (IIN ranges), or "unknown"."""
    two, four, six = int(number[:2]), int(number[:4]), int(number[:6])
    if number.startswith("4"):
        return "visa"
    if 51 <= two <= 55 or 222100 <= six <= 272099:
        return "mastercard"
    if two in (34, 37):
        return "amex"
    if four == 6011 or two == 65 or 644 <= int(number[:3]) <= 649:
        return "discover"
    if 3528 <= four <= 3589:
        return "jcb"
    if two == 62:
        return "unionpay"
    if two in (36, 38) or 300 <= int(number[:3]) <= 305:
        return "diners"
    return "unknown"


def card_fingerprint(number: str) -> str:
    """HMAC-SHA256(CARD_FINGERPRINT_KEY, number), hex, truncated: equal for equal numbers."""
    digest = hmac.new(settings.CARD_FINGERPRINT_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()
    return digest[:FINGERPRINT_LENGTH]


def validate_card(*, number: str, exp_month: int, exp_year: int, cvc: str, now: datetime | None = None) -> None:
    """Raise `CardInvalid` (param card[...]) for a bad number, expiry or CVC; return None when valid."""
    if not number.isascii() or not number.isdigit() or not 12 <= len(number) <= 19:
        raise CardInvalid("The card number must be 12 to 19 digits.", code="invalid_number", param="card[number]")
    if not luhn_valid(number):
        raise CardInvalid("The card number is incorrect.", code="incorrect_number", param="card[number]")
    if not 1 <= exp_month <= 12:
        raise CardInvalid("exp_month must be 1 to 12.", code="invalid_expiry_month", param="card[exp_month]")
    if not 1000 <= exp_year <= 9999:
        raise CardInvalid("exp_year must be a four-digit year.", code="invalid_expiry_year", param="card[exp_year]")
    now = now or datetime.now(UTC)
    if (exp_year, exp_month) < (now.year, now.month):
        code, param = (
            ("invalid_expiry_year", "card[exp_year]")
            if exp_year < now.year
            else ("invalid_expiry_month", "card[exp_month]")
        )
        raise CardInvalid("The card has expired.", code=code, param=param)
    if not cvc.isascii() or not cvc.isdigit() or not 3 <= len(cvc) <= 4:
        raise CardInvalid("The CVC must be 3 or 4 digits.", code="invalid_cvc", param="card[cvc]")
