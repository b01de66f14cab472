"""ISO 4217 currency codes and their minor-unit exponents.

Source: the ISO 4217 "List one: currency, fund and precious metal codes" maintained by SIX Group
on behalf of ISO (https://www.six-group.com/en/products-services/financial-information/data-standards.html).
Every active code whose minor unit is a number is listed; codes whose minor unit is "N.A."
(gold, SDR, test and bond-market units such as XAU, XDR, XTS, XXX) have no minor unit and
cannot hold an integer amount, so they are left out. Codes stored lowercase, as in the API.

An exponent is the number of decimal places of the minor unit: usd 2 (cents), jpy 0, bhd 3.
Update this table when SIX publishes an amendment. `ledger/tests/test_currencies.py` pins known
values and checks every exponent against Babel's CLDR data (a dev dependency), which differs
from ISO 4217 on a listed few.
"""

from django.conf import settings

ISO_4217_EXPONENTS: dict[str, int] = {
    "aed": 2, "afn": 2, "all": 2, "amd": 2, "ang": 2, "aoa": 2, "ars": 2, "aud": 2, "awg": 2, "azn": 2,
    "bam": 2, "bbd": 2, "bdt": 2, "bgn": 2, "bhd": 3, "bif": 0, "bmd": 2, "bnd": 2, "bob": 2, "bov": 2,
    "brl": 2, "bsd": 2, "btn": 2, "bwp": 2, "byn": 2, "bzd": 2,
    "cad": 2, "cdf": 2, "che": 2, "chf": 2, "chw": 2, "clf": 4, "clp": 0, "cny": 2, "cop": 2, "cou": 2,
    "crc": 2, "cup": 2, "cve": 2, "czk": 2,
    "djf": 0, "dkk": 2, "dop": 2, "dzd": 2,
    "egp": 2, "ern": 2, "etb": 2, "eur": 2,
    "fjd": 2, "fkp": 2,
    "gbp": 2, "gel": 2, "ghs": 2, "gip": 2, "gmd": 2, "gnf": 0, "gtq": 2, "gyd": 2,
    "hkd": 2, "hnl": 2, "htg": 2, "huf": 2,
    "idr": 2, "ils": 2, "inr": 2, "iqd": 3, "irr": 2, "isk": 0,
    "jmd": 2, "jod": 3, "jpy": 0,
    "kes": 2, "kgs": 2, "khr": 2, "kmf": 0, "kpw": 2, "krw": 0, "kwd": 3, "kyd": 2, "kzt": 2,
    "lak": 2, "lbp": 2, "lkr": 2, "lrd": 2, "lsl": 2, "lyd": 3,
    "mad": 2, "mdl": 2, "mga": 2, "mkd": 2, "mmk": 2, "mnt": 2, "mop": 2, "mru": 2, "mur": 2, "mvr": 2,
    "mwk": 2, "mxn": 2, "mxv": 2, "myr": 2, "mzn": 2,
    "nad": 2, "ngn": 2, "nio": 2, "nok": 2, "npr": 2, "nzd": 2,
    "omr": 3,
    "pab": 2, "pen": 2, "pgk": 2, "php": 2, "pkr": 2, "pln": 2, "pyg": 0,
    "qar": 2,
    "ron": 2, "rsd": 2, "rub": 2, "rwf": 0,
    "sar": 2, "sbd": 2, "scr": 2, "sdg": 2, "sek": 2, "sgd": 2, "shp": 2, "sle": 2, "sos": 2, "srd": 2,
    "ssp": 2, "stn": 2, "svc": 2, "syp": 2, "szl": 2,
    "thb": 2, "tjs": 2, "tmt": 2, "tnd": 3, "top": 2, "try": 2, "ttd": 2, "twd": 2, "tzs": 2,
    "uah": 2, "ugx": 0, "usd": 2, "usn": 2, "uyi": 0, "uyu": 2, "uyw": 4, "uzs": 2,
    "ved": 2, "ves": 2, "vnd": 0, "vuv": 0,
    "wst": 2,
    "xaf": 0, "xcd": 2, "xcg": 2, "xof": 0, "xpf": 0,
    "yer": 2,
    "zar": 2, "zmw": 2, "zwg": 2,
}  # fmt: skip


class UnknownCurrency(ValueError):
    """Not an ISO 4217 code with a numeric minor unit."""


def currency_exponent(currency: str) -> int:
    """The minor-unit exponent of an ISO 4217 code (case-insensitive); `UnknownCurrency` otherwise."""
    try:
        return ISO_4217_EXPONENTS[currency.lower()]
    except (KeyError, AttributeError):
        raise UnknownCurrency(f"Unknown ISO 4217 currency: {currency!r}.") from None


def is_iso_currency(currency: str) -> bool:
    return isinstance(currency, str) and currency.lower() in ISO_4217_EXPONENTS


def supported_currencies() -> list[str]:
    """The currencies this deployment accepts (setting `SUPPORTED_CURRENCIES`), lowercase."""
    return [code.lower() for code in settings.SUPPORTED_CURRENCIES]


def is_supported_currency(currency: str) -> bool:
    return isinstance(currency, str) and currency in supported_currencies()
