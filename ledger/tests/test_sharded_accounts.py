"""Hot system accounts spread over shards (ledger.services.accounts): which shard a key falls on,
shards created on first use, and every figure an operator sees summing them."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from ledger.models import Account
from ledger.selectors import account_balance_over_shards, trial_balance_as_of
from ledger.services import account_shard_code, credit, debit, post_entry, system_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eight_shards(settings):
    settings.LEDGER_SYSTEM_ACCOUNT_SHARDS = 8


@pytest.fixture
def fees_in_three_shards(db) -> list[Account]:
    """Fee revenue of 100, 200 and 300 on shards 0, 3 and 5, each from the adjustments account."""
    shards = []
    for key, amount in [(8, 100), (3, 200), (5, 300)]:
        fees = system_account(purpose="fees", currency="usd", shard_key=key)
        adjustments = system_account(purpose="adjustments", currency="usd")
        post_entry(lines=[debit(adjustments, amount), credit(fees, amount)], kind="adjustment")
        shards.append(fees)
    return shards


@pytest.fixture
def admin_client(client):
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_posting_without_a_key_falls_on_shard_zero_the_plain_code():
    assert account_shard_code(code="platform:fees:usd", shard_key=None) == "platform:fees:usd"


def test_a_key_that_is_a_multiple_of_the_shard_count_falls_on_shard_zero():
    assert account_shard_code(code="platform:fees:usd", shard_key=16) == "platform:fees:usd"


def test_any_other_key_falls_on_the_shard_of_its_remainder():
    assert account_shard_code(code="platform:fees:usd", shard_key=11) == "platform:fees:usd:shard:3"


def test_one_shard_turns_sharding_off(settings):
    settings.LEDGER_SYSTEM_ACCOUNT_SHARDS = 1
    assert account_shard_code(code="platform:fees:usd", shard_key=11) == "platform:fees:usd"


def test_a_shard_is_created_on_first_use_with_the_type_and_balance_rule_of_its_account():
    base = system_account(purpose="fees", currency="usd")
    shard = system_account(purpose="fees", currency="usd", shard_key=3)

    assert shard.code == "platform:fees:usd:shard:3"
    assert (shard.type, shard.currency, shard.allow_negative) == (base.type, base.currency, base.allow_negative)
    assert shard.name == "Fees (USD), shard 3"


def test_a_shard_is_the_same_account_on_every_later_use():
    assert system_account(purpose="fees", currency="usd", shard_key=3) == system_account(
        purpose="fees", currency="usd", shard_key=11
    )


def test_the_balance_over_shards_sums_every_shard(fees_in_three_shards):
    assert account_balance_over_shards(account=fees_in_three_shards[1]) == 600


def test_the_trial_balance_shows_a_sharded_account_as_one_line_summing_its_shards(fees_in_three_shards):
    balance = trial_balance_as_of(currency="usd", as_of=timezone.now() + dt.timedelta(seconds=1))

    fee_lines = [line for group in balance.groups for line in group.lines if line.code == "platform:fees:usd"]
    assert [(line.credits, line.shards, line.account.code) for line in fee_lines] == [(600, 3, "platform:fees:usd")]
    assert balance.balanced


def test_the_trial_balance_page_names_the_sharded_account_once_with_its_shard_count(admin_client, fees_in_three_shards):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    page = admin_client.get("/admin/ledger/account/trial-balance/", {"currency": "usd", "as_of": tomorrow})
    html = page.content.decode()

    assert '>platform:fees:usd</a> <span class="help">(sum of 3 shards)</span>' in html
    assert "platform:fees:usd:shard:" not in html


def test_the_account_list_shows_each_shard_with_the_balance_of_all_shards_beside_its_own(
    admin_client, fees_in_three_shards
):
    html = admin_client.get("/admin/ledger/account/", {"q": "platform:fees:usd"}).content.decode()

    assert "platform:fees:usd:shard:3" in html and "platform:fees:usd:shard:5" in html
    assert html.count('all 3 shards: <span class="money" title="600 minor units"') == 3


def test_reconcile_ledger_finds_a_stored_balance_off_on_a_shard(fees_in_three_shards):
    shard = fees_in_three_shards[2]
    out = StringIO()
    with transaction.atomic():
        Account.objects.filter(pk=shard.pk).update(balance=301)
        with pytest.raises(SystemExit) as exit_:
            call_command("reconcile_ledger", "--format", "json", stdout=out, stderr=StringIO())
        transaction.set_rollback(True)

    checks = {check["name"]: check for check in json.loads(out.getvalue())["checks"]}
    assert exit_.value.code == 1
    assert [row["code"] for row in checks["balances_match_postings"]["discrepancies"]] == ["platform:fees:usd:shard:5"]


def test_reconcile_ledger_is_clean_over_sharded_accounts(fees_in_three_shards):
    out = StringIO()
    call_command("reconcile_ledger", "--format", "json", stdout=out, stderr=StringIO())

    assert json.loads(out.getvalue())["ok"] is True
