"""Worked examples: the exact postings and balances an accountant would write by hand.

Fee: 2.9 % rounded half-up to the cent, plus 30 cents. A 100.00 USD card top-up: fee 3.20.
"""

import pytest

from ledger.models import Account, JournalEntry
from ledger.services import system_account
from payments.models import PaymentIntent
from payments.services import platform_fee
from payments.tests.support import create_intent
from wallets.models import BalanceTransaction

pytestmark = pytest.mark.django_db


def postings(entry: JournalEntry) -> list[tuple[str, int]]:
    return [
        (posting.account.code, posting.amount) for posting in entry.postings.select_related("account").order_by("pk")
    ]


def balance(code: str) -> int:
    return Account.objects.get(code=code).balance


@pytest.mark.parametrize(
    ("amount", "fee"),
    [(10_000, 320), (6000, 204), (1, 1), (30, 30), (31, 31), (100, 33), (17, 17), (1724, 80), (1725, 80), (1726, 80)],
)
def test_the_fee_is_percent_rounded_half_up_plus_fixed_never_above_the_amount(amount, fee):
    assert platform_fee(amount) == fee


def test_the_fee_rounds_half_up(settings):
    settings.PLATFORM_FEE_PERCENT = "2.5"
    settings.PLATFORM_FEE_FIXED = 0
    assert platform_fee(100) == 3  # 2.5 -> 3
    assert platform_fee(140) == 4  # 3.5 -> 4
    assert platform_fee(60) == 2  # 1.5 -> 2


def test_a_card_top_up_posts_receivable_wallet_and_fee(auth_client, wallet, visa):
    pi = create_intent(auth_client, wallet, visa, confirm=True).json()["data"]["id"]
    intent = PaymentIntent.objects.get(public_id=pi)
    receivable = "connector:simulator_a:receivable:usd"
    available = f"wallet:{wallet.public_id}:available"
    assert intent.capture_entry.kind == "payment_capture"
    assert postings(intent.capture_entry) == [
        (available, -10_000),  # credit the wallet with the gross
        (available, 320),  # debit it with the fee
        (receivable, 10_000),  # debit what the processor owes us
        ("platform:fees:usd", -320),  # credit fee revenue
    ]
    assert balance(available) == 9680
    assert balance(receivable) == 10_000
    assert system_account(purpose="fees", currency="usd").balance == 320
    lines = list(
        BalanceTransaction.objects.filter(wallet=wallet)
        .order_by("pk")
        .values_list("type", "amount", "source", "balance_after")
    )
    assert lines == [("payment", 10_000, pi, 10_000), ("fee", -320, pi, 9680)]


def test_authorization_alone_posts_nothing(auth_client, wallet, visa):
    before = JournalEntry.objects.count()
    create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual")
    assert JournalEntry.objects.count() == before


def test_a_partial_capture_posts_only_the_captured_amount(auth_client, wallet, visa):
    pi = create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual").json()["data"]["id"]
    auth_client.post(f"/v1/payment_intents/{pi}/capture", {"amount_to_capture": 4000}, format="json")
    intent = PaymentIntent.objects.get(public_id=pi)
    available = f"wallet:{wallet.public_id}:available"
    assert postings(intent.capture_entry) == [
        (available, -4000),
        (available, 146),  # 116 + 30
        ("connector:simulator_a:receivable:usd", 4000),
        ("platform:fees:usd", -146),
    ]
    assert balance(available) == 3854


def test_two_partial_refunds_come_from_the_wallet_with_their_fee_share_and_reduce_the_receivable(
    auth_client, wallet, visa, django_capture_on_commit_callbacks
):
    pi = create_intent(auth_client, wallet, visa, confirm=True).json()["data"]["id"]
    with django_capture_on_commit_callbacks(execute=True):  # the connector is called after commit
        first = auth_client.post("/v1/refunds", {"payment_intent": pi, "amount": 3000}, format="json")
        second = auth_client.post(
            "/v1/refunds", {"payment_intent": pi, "amount": 2000, "reason": "duplicate"}, format="json"
        )
    assert first.status_code == second.status_code == 201
    assert auth_client.get(f"/v1/refunds/{first.json()['data']['id']}").json()["data"]["status"] == "succeeded"
    available = f"wallet:{wallet.public_id}:available"
    receivable = "connector:simulator_a:receivable:usd"
    refund_entries = JournalEntry.objects.filter(kind="refund").order_by("pk")
    # REFUND_FEE_POLICY=return: 30 % of the payment gives back floor(320 x 0.3) = 96 of the fee;
    # 50 % refunded in all gives back floor(320 x 0.5) = 160, so the second gets 160 - 96 = 64.
    assert [postings(entry) for entry in refund_entries] == [
        [(available, 3000), (available, -96), (receivable, -3000), ("platform:fees:usd", 96)],
        [(available, 2000), (available, -64), (receivable, -2000), ("platform:fees:usd", 64)],
    ]
    assert balance(available) == 9680 - 5000 + 160
    assert balance(receivable) == 5000
    assert system_account(purpose="fees", currency="usd").balance == 320 - 160
    intent = PaymentIntent.objects.get(public_id=pi)
    assert (intent.amount_received, intent.amount_refunded) == (10_000, 5000)
    lines = list(
        BalanceTransaction.objects.filter(wallet=wallet).order_by("pk").values_list("type", "amount", "balance_after")
    )
    assert lines[-4:] == [("refund", -3000, 6680), ("fee", 96, 6776), ("refund", -2000, 4776), ("fee", 64, 4840)]
