"""The ISO 4217 exponent table."""

import pytest

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
