"""The ISO 4217 exponent table, and the table checked against a kept source: Babel's CLDR data.

CLDR's `get_currency_precision` is the number of decimals a currency is usually shown with, which
for a few currencies is fewer than ISO 4217's minor unit (CLDR shows Hungarian forints and
Indonesian rupiahs without decimals; ISO 4217 and the card networks keep two). Those currencies
are pinned below with ISO 4217's value; every other exponent must equal CLDR's, so a typo in the
table or an ISO amendment that CLDR has already followed fails here.
"""

import pytest
from babel.numbers import get_currency_precision, list_currencies

from ledger.currencies import ISO_4217_EXPONENTS, UnknownCurrency, currency_exponent


@pytest.mark.parametrize(("currency", "exponent"), [("usd", 2), ("jpy", 0), ("bhd", 3), ("eur", 2), ("clf", 4)])
def test_currency_exponent_follows_iso_4217(currency, exponent):
    assert currency_exponent(currency) == exponent


def test_currency_exponent_is_case_insensitive():
    assert currency_exponent("USD") == 2


def test_unknown_currency_is_refused():
    with pytest.raises(UnknownCurrency):
        currency_exponent("xyz")


def test_table_covers_the_supported_currencies_and_only_lowercase_codes(settings):
    assert set(settings.SUPPORTED_CURRENCIES) <= set(ISO_4217_EXPONENTS)
    assert all(code == code.lower() and len(code) == 3 for code in ISO_4217_EXPONENTS)


# Currency -> (ISO 4217 minor unit, CLDR's display precision): where the two sources disagree.
ISO_AND_CLDR_DIFFER: dict[str, tuple[int, int]] = {
    "afn": (2, 0),
    "all": (2, 0),
    "cop": (2, 0),
    "huf": (2, 0),
    "idr": (2, 0),
    "iqd": (3, 0),
    "irr": (2, 0),
    "kpw": (2, 0),
    "lak": (2, 0),
    "lbp": (2, 0),
    "mga": (2, 0),
    "mmk": (2, 0),
    "sos": (2, 0),
    "syp": (2, 0),
    "yer": (2, 0),
}


@pytest.mark.parametrize("currency", sorted(ISO_4217_EXPONENTS))
def test_every_currency_in_the_table_is_known_to_cldr(currency):
    assert currency.upper() in list_currencies()


@pytest.mark.parametrize("currency", sorted(set(ISO_4217_EXPONENTS) - set(ISO_AND_CLDR_DIFFER)))
def test_the_exponent_equals_cldrs_precision(currency):
    assert ISO_4217_EXPONENTS[currency] == get_currency_precision(currency.upper())


@pytest.mark.parametrize("currency", sorted(ISO_AND_CLDR_DIFFER))
def test_a_currency_where_cldr_differs_keeps_its_iso_4217_exponent(currency):
    iso_exponent, cldr_precision = ISO_AND_CLDR_DIFFER[currency]
    assert ISO_4217_EXPONENTS[currency] == iso_exponent
    assert get_currency_precision(currency.upper()) == cldr_precision
