"""Money as operators read it: the currency's exponent and code, grouped thousands, exact."""

import pytest

from payments_platform.money import format_money, money_html


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (35_972, "usd", "359.72 USD"),
        (1_000, "jpy", "1,000 JPY"),
        (123_456_789, "eur", "1,234,567.89 EUR"),
        (-5, "usd", "-0.05 USD"),
        (1_500, "bhd", "1.500 BHD"),
        (0, "usd", "0.00 USD"),
    ],
)
def test_amounts_are_formatted_with_their_currencys_exponent_and_code(amount, currency, shown):
    assert format_money(amount, currency) == shown


def test_the_html_form_keeps_the_minor_units_in_its_tooltip():
    assert 'title="35972 minor units"' in money_html(35_972, "usd")


def test_a_missing_amount_is_a_dash():
    assert format_money(None, "usd") == "-"
