"""Captures spread over the shards of fee revenue and the connector receivable, on real PostgreSQL
with real threads (`transaction=True`: every capture commits, so the row locks are what keep the
sums right); a payment's refund and dispute post to the shards its capture did."""

import io
import json

import pytest
from django.core.management import call_command

from ledger.models import Account, Posting
from payments.models import PaymentIntent
from payments.tests.disputes_support import open_dispute, paid_intent, rule, submit_evidence
from payments.tests.support import create_intent
from payments_platform.tests.support import client_for, run_in_threads
from wallets.tests.factories import available_balance

SHARDS = 8
CAPTURES = 16


@pytest.fixture(autouse=True)
def _eight_shards(settings):
    settings.LEDGER_SYSTEM_ACCOUNT_SHARDS = SHARDS
    # Sixteen payments in a row by one user trip the velocity checks; list checks only, as in the benchmarks.
    settings.FRAUD_CHECKS = ["fraud.pipeline.checks.lists"]


def _shards(code: str) -> dict[str, int]:
    """The balance of the account `code` and of each of its shards, by code."""
    accounts = Account.objects.filter(code__startswith=code)
    return dict(accounts.filter(code=code).values_list("code", "balance")) | dict(
        accounts.filter(code__startswith=f"{code}:shard:").values_list("code", "balance")
    )


def _shard_of(code: str, intent: PaymentIntent) -> str:
    return code if intent.pk % SHARDS == 0 else f"{code}:shard:{intent.pk % SHARDS}"


def _reconcile() -> dict:
    out = io.StringIO()
    call_command("reconcile_ledger", "--format", "json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


@pytest.fixture
def authorized(auth_client, wallet, visa) -> list[str]:
    """Sixteen intents of 100.00 authorized for manual capture."""
    return [
        create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual").json()["data"]["id"]
        for _ in range(CAPTURES)
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_captures_spread_over_the_shards_and_their_sums_are_exact(user, wallet, authorized):
    statuses: list[int] = []
    run_in_threads(
        CAPTURES,
        lambda index: statuses.append(
            client_for(user).post(f"/v1/payment_intents/{authorized[index]}/capture", {}, format="json").status_code
        ),
    )

    intents = PaymentIntent.objects.filter(public_id__in=authorized)
    fees = _shards("platform:fees:usd")
    receivables = _shards("connector:simulator_a:receivable:usd")
    assert statuses == [200] * CAPTURES
    assert sum(fees.values()) == sum(intent.fee for intent in intents) == CAPTURES * 320
    assert sum(receivables.values()) == CAPTURES * 10_000
    assert len([balance for balance in fees.values() if balance]) == SHARDS
    assert available_balance(wallet) == CAPTURES * (10_000 - 320)
    assert _reconcile()["ok"] is True


@pytest.mark.django_db
def test_a_refund_returns_its_fee_share_from_the_fee_shard_its_capture_credited(auth_client, wallet, visa):
    intent_id = create_intent(auth_client, wallet, visa, confirm=True).json()["data"]["id"]
    intent = PaymentIntent.objects.get(public_id=intent_id)

    auth_client.post("/v1/refunds", {"payment_intent": intent_id}, format="json")

    shard = _shard_of("platform:fees:usd", intent)
    fee_postings = Posting.objects.filter(account__code__startswith="platform:fees:usd").order_by("id")
    assert [(posting.account.code, posting.amount) for posting in fee_postings] == [(shard, -320), (shard, 320)]
    assert _shards("platform:fees:usd")[shard] == 0


@pytest.mark.django_db
def test_a_won_dispute_moves_its_amount_and_fee_on_the_shards_of_its_payment(auth_client, api_client, user, wallet):
    intent = paid_intent(auth_client, user, wallet)
    dispute = open_dispute(api_client, intent)
    submit_evidence(auth_client, dispute, "winning_evidence")
    rule(api_client, dispute)
    dispute.refresh_from_db()

    system_codes = ("connector:simulator_a:receivable:usd", "platform:fees:usd")
    moved = {
        code: amount
        for entry in (dispute.withdrawal_entry, dispute.reinstatement_entry)
        for code, amount in entry.postings.values_list("account__code", "amount")
        if code.startswith(system_codes)
    }
    assert set(moved) == {_shard_of(code, intent) for code in system_codes}
    assert _shards("platform:fees:usd")[_shard_of("platform:fees:usd", intent)] == 320
