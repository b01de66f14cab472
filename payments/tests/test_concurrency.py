"""Concurrent captures and refunds of one intent, on real PostgreSQL with real threads.

Transactional test cases (`transaction=True`): every request commits for real, so the row locks
taken by the services are what keeps the totals right.
"""

import pytest

from ledger.services import system_account
from payments.models import PaymentIntent, Refund
from payments.tests.support import create_intent
from payments_platform.tests.support import client_for, run_in_threads
from wallets.tests.factories import available_balance, fund

pytestmark = pytest.mark.django_db(transaction=True)


def race(user, count: int, request) -> list[int]:
    statuses: list[int] = []
    run_in_threads(count, lambda index: statuses.append(request(client_for(user), index).status_code))
    return sorted(statuses)


def test_concurrent_captures_of_one_intent_capture_once(auth_client, user, wallet, visa):
    pi = create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual").json()["data"]["id"]
    statuses = race(
        user,
        8,
        lambda client, i: client.post(
            f"/v1/payment_intents/{pi}/capture", {"amount_to_capture": 5000 + i}, format="json"
        ),
    )
    assert statuses == [200] + [400] * 7
    intent = PaymentIntent.objects.get(public_id=pi)
    assert intent.status == "succeeded"
    assert available_balance(wallet) == intent.amount_received - intent.fee


def test_concurrent_refunds_never_exceed_the_captured_amount(auth_client, user, wallet, visa):
    pi = create_intent(auth_client, wallet, visa, confirm=True).json()["data"]["id"]
    fund(wallet, 100_000)  # the wallet can cover every refund: only the captured amount limits them
    statuses = race(
        user, 12, lambda client, i: client.post("/v1/refunds", {"payment_intent": pi, "amount": 2000}, format="json")
    )
    assert statuses == [201] * 5 + [400] * 7
    intent = PaymentIntent.objects.get(public_id=pi)
    assert intent.amount_refunded == 10_000
    assert Refund.objects.filter(intent=intent, status="succeeded").count() == 5
    assert available_balance(wallet) == 9680 + 100_000 - 10_000 + 320  # the whole fee came back with them


def test_concurrent_captures_and_refunds_of_one_intent(auth_client, user, wallet, visa):
    """Refunds racing the capture succeed only after it and never beyond what it captured."""
    pi = create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual").json()["data"]["id"]
    fund(wallet, 100_000)

    def request(client, index):
        if index % 3 == 0:
            return client.post(f"/v1/payment_intents/{pi}/capture", {"amount_to_capture": 6000}, format="json")
        return client.post("/v1/refunds", {"payment_intent": pi, "amount": 1000}, format="json")

    statuses = race(user, 12, request)
    intent = PaymentIntent.objects.get(public_id=pi)
    assert intent.amount_received == 6000
    assert intent.amount_refunded == Refund.objects.filter(intent=intent, status="succeeded").count() * 1000
    assert intent.amount_refunded <= 6000
    assert statuses.count(200) == 1
    assert statuses.count(201) == intent.amount_refunded // 1000
    fee_returned = sum(Refund.objects.filter(intent=intent).values_list("fee_refunded", flat=True))
    assert fee_returned <= intent.fee
    assert available_balance(wallet) == 100_000 + 6000 - intent.fee - intent.amount_refunded + fee_returned


def test_concurrent_partial_refunds_give_back_exactly_the_fee_and_empty_the_wallet(auth_client, user, wallet, visa):
    """REFUND_FEE_POLICY=return: five refunds of 10.00 race on a 40.00 payment (fee 1.46) whose
    38.54 is all the wallet holds. Four fit; their fee shares add up to exactly the fee."""
    pi = create_intent(auth_client, wallet, visa, amount=4000, confirm=True).json()["data"]["id"]
    statuses = race(
        user, 5, lambda client, i: client.post("/v1/refunds", {"payment_intent": pi, "amount": 1000}, format="json")
    )
    assert statuses == [201] * 4 + [400]
    refunds = Refund.objects.filter(intent__public_id=pi)
    assert sum(refunds.values_list("fee_refunded", flat=True)) == 146
    assert available_balance(wallet) == 0
    assert system_account(purpose="fees", currency="usd").balance == 0


def test_two_racing_full_refunds_refund_once_and_return_the_fee_once(auth_client, user, wallet, visa):
    pi = create_intent(auth_client, wallet, visa, amount=4000, confirm=True).json()["data"]["id"]
    statuses = race(user, 2, lambda client, i: client.post("/v1/refunds", {"payment_intent": pi}, format="json"))
    assert statuses == [201, 400]
    assert Refund.objects.get(intent__public_id=pi).fee_refunded == 146
    assert PaymentIntent.objects.get(public_id=pi).amount_refunded == 4000
    assert available_balance(wallet) == 0
    assert system_account(purpose="fees", currency="usd").balance == 0
