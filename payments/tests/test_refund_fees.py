"""Refunds and the platform fee (REFUND_FEE_POLICY): worked postings an accountant would write by hand.

The issue's example: a 40.00 USD payment, fee 2.9 % x 40.00 = 1.16 + 0.30 = 1.46, so the wallet
holds 38.54 after it. `return` (the default): a refund gives back its share of the fee;
`retain`: the platform keeps the fee and the wallet pays the whole refund.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.models import Account, JournalEntry
from payments.connectors.base import ConnectorResult
from payments.models import PaymentIntent, Refund
from payments.services.postings import refund_fee_share
from payments.services.refunds import refund_finish
from payments.tests.support import create_intent
from wallets.models import BalanceTransaction
from wallets.services import transfer_create
from wallets.tests.factories import WalletFactory, available_balance, fund

pytestmark = pytest.mark.django_db

RECEIVABLE = "connector:simulator_a:receivable:usd"
FEES = "platform:fees:usd"


def postings(entry: JournalEntry) -> list[tuple[str, int]]:
    """(account code, amount) in posting order; debits positive, credits negative."""
    return [(p.account.code, p.amount) for p in entry.postings.select_related("account").order_by("pk")]


def balance(code: str) -> int:
    return Account.objects.get(code=code).balance


@pytest.fixture
def paid_40(auth_client, wallet, visa):
    """A succeeded 40.00 payment into an otherwise empty wallet: it holds 38.54."""
    response = create_intent(auth_client, wallet, visa, amount=4000, confirm=True)
    assert response.json()["data"]["status"] == "succeeded"
    return response.json()["data"]["id"]


def refund(client, pi, **fields):
    return client.post("/v1/refunds", {"payment_intent": pi, **fields}, format="json")


def refund_entry(refund_id: str) -> JournalEntry:
    return Refund.objects.select_related("entry").get(public_id=refund_id).entry


# --- return (the default) ---------------------------------------------------------------


def test_a_full_refund_of_money_still_in_the_wallet_succeeds_and_returns_the_whole_fee(auth_client, wallet, paid_40):
    response = refund(auth_client, paid_40)
    assert response.status_code == 201
    available = f"wallet:{wallet.public_id}:available"
    assert postings(refund_entry(response.json()["data"]["id"])) == [
        (available, 4000),  # debit the wallet with the refund
        (available, -146),  # credit it with the whole fee
        (RECEIVABLE, -4000),  # the processor owes us 40.00 less
        (FEES, 146),  # debit fee revenue: the platform gives its fee back
    ]
    assert (balance(available), balance(RECEIVABLE), balance(FEES)) == (0, 0, 0)
    assert Refund.objects.get().fee_refunded == 146


def test_a_full_refund_writes_a_refund_line_and_a_fee_line_to_the_statement(auth_client, wallet, paid_40):
    refund_id = refund(auth_client, paid_40).json()["data"]["id"]
    lines = list(
        BalanceTransaction.objects.filter(wallet=wallet)
        .order_by("pk")
        .values_list("type", "amount", "source", "balance_after")
    )
    assert lines[-2:] == [("refund", -4000, refund_id, -146), ("fee", 146, refund_id, 0)]


def test_partial_refunds_round_their_shares_down_and_the_last_takes_what_remains(auth_client, wallet, paid_40):
    ids = [refund(auth_client, paid_40, amount=amount).json()["data"]["id"] for amount in (1333, 1333, 1334)]
    # floor(146 x 1333 / 4000) = 48; floor(146 x 2666 / 4000) = 97, less 48 = 49; the last: 146 - 97 = 49
    assert [Refund.objects.get(public_id=refund_id).fee_refunded for refund_id in ids] == [48, 49, 49]
    available = f"wallet:{wallet.public_id}:available"
    assert postings(refund_entry(ids[1])) == [(available, 1333), (available, -49), (RECEIVABLE, -1333), (FEES, 49)]
    assert (balance(available), balance(FEES)) == (0, 0)


def test_a_tiny_partial_refund_returns_no_fee_and_posts_no_fee_line(auth_client, wallet, paid_40):
    refund_id = refund(auth_client, paid_40, amount=27).json()["data"]["id"]  # 146 x 27 / 4000 = 0.98
    available = f"wallet:{wallet.public_id}:available"
    assert postings(refund_entry(refund_id)) == [(available, 27), (RECEIVABLE, -27)]
    assert balance(FEES) == 146


def test_a_refund_the_connector_refuses_takes_its_fee_share_back(auth_client, wallet, paid_40):
    refund_id = refund(auth_client, paid_40, amount=2000).json()["data"]["id"]  # share 73; pending here
    pending = Refund.objects.get(public_id=refund_id)
    failed = refund_finish(
        refund_pk=pending.pk, result=ConnectorResult(status="error", error_code="charge_not_refundable")
    )
    available = f"wallet:{wallet.public_id}:available"
    assert postings(failed.reversal_entry) == [(available, -2000), (available, 73), (RECEIVABLE, 2000), (FEES, -73)]
    assert (balance(available), balance(RECEIVABLE), balance(FEES)) == (3854, 4000, 146)


def test_after_a_failed_refund_a_full_refund_still_returns_the_whole_fee(auth_client, paid_40):
    pending = Refund.objects.get(public_id=refund(auth_client, paid_40, amount=2000).json()["data"]["id"])
    refund_finish(refund_pk=pending.pk, result=ConnectorResult(status="error", error_code="charge_not_refundable"))
    refund_id = refund(auth_client, paid_40).json()["data"]["id"]
    assert Refund.objects.get(public_id=refund_id).fee_refunded == 146
    assert balance(FEES) == 0


def test_a_refund_still_fails_when_the_wallet_spent_the_money(auth_client, user, other_user, wallet, paid_40):
    recipient = WalletFactory(user=other_user)
    transfer_create(user=user, source_wallet=wallet.public_id, destination_wallet=recipient.public_id, amount=3854)
    response = refund(auth_client, paid_40)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "balance_insufficient")
    assert not Refund.objects.exists()
    assert balance(FEES) == 146


@given(
    amount_received=st.integers(min_value=1, max_value=10**11),
    fee_percent=st.integers(min_value=0, max_value=100),
    cuts=st.lists(st.floats(min_value=0.0, max_value=1.0), max_size=8),
)
def test_fee_shares_never_add_up_to_more_than_the_fee_and_the_last_takes_the_rest(amount_received, fee_percent, cuts):
    """The rule itself (no database): any sequence of refunds that ends at the captured amount."""
    fee = amount_received * fee_percent // 100
    intent = PaymentIntent(amount=amount_received, amount_received=amount_received, fee=fee)
    points = [*sorted({int(amount_received * cut) for cut in cuts} - {0, amount_received}), amount_received]
    returned = 0
    for point in points:
        share = refund_fee_share(intent=intent, amount=point - intent.amount_refunded, fee_already_returned=returned)
        assert 0 <= share <= point - intent.amount_refunded
        returned += share
        intent.amount_refunded = point
        assert returned <= fee
    assert returned == fee


# --- retain ------------------------------------------------------------------------------


def test_with_retain_a_full_refund_needs_the_fee_from_the_wallet(auth_client, settings, paid_40):
    settings.REFUND_FEE_POLICY = "retain"
    response = refund(auth_client, paid_40)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "balance_insufficient")
    assert not Refund.objects.exists()


def test_with_retain_the_wallet_pays_the_whole_refund_and_the_platform_keeps_the_fee(
    auth_client, settings, wallet, paid_40
):
    settings.REFUND_FEE_POLICY = "retain"
    fund(wallet, 146)
    refund_id = refund(auth_client, paid_40).json()["data"]["id"]
    available = f"wallet:{wallet.public_id}:available"
    assert postings(refund_entry(refund_id)) == [(available, 4000), (RECEIVABLE, -4000)]
    assert (balance(available), balance(RECEIVABLE), balance(FEES)) == (0, 0, 146)
    assert Refund.objects.get().fee_refunded == 0
    assert available_balance(wallet) == 0
