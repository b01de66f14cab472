"""Two tabs answering one 3-D Secure page at the same moment, on real PostgreSQL with real threads.

Transactional test cases (`transaction=True`): each post commits for real, so the intent's and
the session's row locks are what make exactly one of them count.
"""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from ledger.models import JournalEntry
from payments.models import PaymentAttempt, PaymentIntent, ThreeDSecureSession
from payments.tests.factories import payment_method
from payments.tests.support import create_intent
from payments_platform.tests.support import run_in_threads
from wallets.tests.factories import available_balance

pytestmark = pytest.mark.django_db(transaction=True)


def page_of(auth_client, wallet, user) -> tuple[str, str]:
    data = create_intent(
        auth_client, wallet, payment_method(user, "4000002760003184"), confirm=True, return_url="https://shop.example/r"
    ).json()["data"]
    url = urlsplit(data["next_action"]["redirect_to_url"]["url"])
    return data["id"], f"{url.path}?{url.query}"


def post_together(path: str, results: list[str]) -> list[int]:
    statuses: list[int] = []
    run_in_threads(
        len(results), lambda index: statuses.append(Client().post(path, {"result": results[index]}).status_code)
    )
    return sorted(statuses)


def test_a_page_completed_in_two_tabs_at_once_moves_the_money_once(auth_client, user, wallet):
    pi, path = page_of(auth_client, wallet, user)
    assert post_together(path, ["complete", "complete"]) == [303, 410]
    intent = PaymentIntent.objects.get(public_id=pi)
    assert intent.status == "succeeded"
    assert JournalEntry.objects.filter(kind="payment_capture").count() == 1
    assert PaymentAttempt.objects.filter(intent=intent).count() == 2  # the one that asked, the one that paid
    assert available_balance(wallet) == 9680


def test_a_page_completed_and_failed_at_once_keeps_one_answer(auth_client, user, wallet):
    pi, path = page_of(auth_client, wallet, user)
    assert post_together(path, ["complete", "fail"]) == [303, 410]
    intent = PaymentIntent.objects.get(public_id=pi)
    session = ThreeDSecureSession.objects.get(intent=intent)
    captures = JournalEntry.objects.filter(kind="payment_capture").count()
    if session.status == "completed":
        assert (intent.status, captures, available_balance(wallet)) == ("succeeded", 1, 9680)
    else:
        assert (session.status, intent.status, captures) == ("failed", "requires_payment_method", 0)


def test_many_tabs_completing_one_page_charge_once(auth_client, user, wallet):
    pi, path = page_of(auth_client, wallet, user)
    assert post_together(path, ["complete"] * 6) == [303] + [410] * 5
    assert JournalEntry.objects.filter(kind="payment_capture").count() == 1
    assert PaymentIntent.objects.get(public_id=pi).amount_received == 10_000
