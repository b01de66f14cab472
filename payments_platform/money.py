"""Money as an operator reads it: `359.72 USD`, `1,000 JPY`, `-0.500 BHD`.

Amounts are integer minor units everywhere; only display turns them into decimals. The
minor-unit exponents live in `ledger.currencies` (ISO 4217); the ledger app registers its lookup
here when Django starts (`LedgerConfig.ready`), so every app's admin formats money the same way
without importing the ledger.
"""

from collections.abc import Callable

from django.utils.html import format_html

_exponent_of: Callable[[str], int] | None = None


def register_exponent_lookup(lookup: Callable[[str], int]) -> None:
    global _exponent_of
    _exponent_of = lookup


def exponent(currency: str) -> int:
    """The currency's minor-unit exponent (2 when no lookup is registered or the code is unknown)."""
    if _exponent_of is None:
        return 2
    try:
        return _exponent_of(currency)
    except ValueError:
        return 2


def format_amount(amount: int, currency: str) -> str:
    """`35972, "usd"` -> `"359.72"`; `100000, "jpy"` -> `"100,000"`; grouped by thousands, exact (no floats)."""
    places = exponent(currency)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(int(amount)), 10**places)
    text = f"{whole:,}"
    if places:
        text += f".{fraction:0{places}d}"
    return sign + text


def format_money(amount: int | None, currency: str) -> str:
    """`35972, "usd"` -> `"359.72 USD"`; None -> `"-"`."""
    if amount is None:
        return "-"
    return f"{format_amount(amount, currency)} {currency.upper()}"


def money_html(amount: int | None, currency: str):
    """The formatted amount, with the minor units in its tooltip, right-aligned in tabular figures."""
    if amount is None:
        return "-"
    return format_html(
        '<span class="money" title="{} minor units" style="white-space:nowrap;font-variant-numeric:tabular-nums">'
        "{}</span>",
        amount,
        format_money(amount, currency),
    )
