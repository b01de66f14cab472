"""account_create and system_account."""

import pytest
from django.conf import settings

from ledger.models import Account
from ledger.services import SYSTEM_ACCOUNT_PURPOSES, account_create, system_account
from payments_platform.api.errors import ParameterInvalid

pytestmark = pytest.mark.django_db


def test_account_create_makes_an_empty_account():
    account = account_create(code="wallet:wal_1:available", type="liability", currency="usd", name="Alice")

    assert account.public_id.startswith("acct_")
    assert (account.balance, account.allow_negative, account.type) == (0, False, "liability")


def test_account_create_refuses_a_taken_code():
    account_create(code="dup", type="asset", currency="usd")

    with pytest.raises(ParameterInvalid) as raised:
        account_create(code="dup", type="asset", currency="usd")
    assert raised.value.param == "code"


def test_account_create_refuses_an_unknown_currency():
    with pytest.raises(ParameterInvalid) as raised:
        account_create(code="x", type="asset", currency="xyz")
    assert raised.value.param == "currency"


def test_account_create_refuses_an_unknown_type():
    with pytest.raises(ParameterInvalid) as raised:
        account_create(code="x", type="cash", currency="usd")
    assert raised.value.param == "type"


def test_migrations_create_system_accounts_for_every_supported_currency():
    for currency in settings.SUPPORTED_CURRENCIES:
        for purpose in SYSTEM_ACCOUNT_PURPOSES:
            assert Account.objects.filter(code=f"platform:{purpose}:{currency}", currency=currency).exists()


def test_system_account_has_the_documented_type_and_overdraft_rule():
    receivable = system_account(purpose="processor_receivable", currency="usd")
    fees = system_account(purpose="fees", currency="usd")

    assert (receivable.code, receivable.type, receivable.allow_negative) == (
        "platform:processor_receivable:usd",
        "asset",
        True,
    )
    assert (fees.type, fees.allow_negative) == ("revenue", False)


def test_system_account_creates_a_missing_one_for_a_newly_supported_currency(settings):
    settings.SUPPORTED_CURRENCIES = [*settings.SUPPORTED_CURRENCIES, "chf"]

    account = system_account(purpose="platform_cash", currency="chf")

    assert account.code == "platform:platform_cash:chf"
    assert system_account(purpose="platform_cash", currency="chf") == account


def test_system_account_refuses_an_unsupported_currency():
    with pytest.raises(ParameterInvalid):
        system_account(purpose="fees", currency="chf")


def test_system_account_refuses_an_unknown_purpose():
    with pytest.raises(ParameterInvalid):
        system_account(purpose="slush_fund", currency="usd")
