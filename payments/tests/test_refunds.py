"""POST /v1/refunds, GET list and one: limits, wallet cover, connector failure, events."""

import pytest
from django.db import OperationalError, connection

from ledger.models import JournalEntry
from payments.connectors.base import ConnectorResult
from payments.models import PaymentIntent, Refund
from payments.services.refunds import refund_finish
from payments.tests.support import create_intent
from wallets.services import transfer_create
from wallets.tests.factories import WalletFactory, available_balance
from webhooks.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(auth_client, wallet, visa):
    """A succeeded 100.00 payment: the wallet holds 96.80."""
    return create_intent(auth_client, wallet, visa, confirm=True).json()["data"]["id"]


def refund(client, pi, **fields):
    return client.post("/v1/refunds", {"payment_intent": pi, **fields}, format="json")


def test_a_refund_has_the_contract_shape(auth_client, paid, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = refund(auth_client, paid, amount=1000, reason="requested_by_customer")
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["id"].startswith("re_")
    assert data["object"] == "refund"
    assert (data["amount"], data["currency"], data["payment_intent"], data["reason"]) == (
        1000,
        "usd",
        paid,
        "requested_by_customer",
    )
    assert data["status"] in ("pending", "succeeded")
    assert auth_client.get(f"/v1/refunds/{data['id']}").json()["data"]["status"] == "succeeded"


def test_without_an_amount_the_rest_is_refunded(auth_client, user, paid, wallet):
    refund(auth_client, paid, amount=4000)
    response = refund(auth_client, paid)
    assert response.json()["data"]["amount"] == 6000
    assert PaymentIntent.objects.get(public_id=paid).amount_refunded == 10_000


def test_refunding_more_than_was_captured_is_amount_too_large_and_writes_nothing(auth_client, paid):
    refund(auth_client, paid, amount=6000)
    entries = JournalEntry.objects.count()
    response = refund(auth_client, paid, amount=4001)
    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["param"]) == ("amount_too_large", "amount")
    assert JournalEntry.objects.count() == entries
    assert Refund.objects.count() == 1


def test_a_refund_the_wallet_cannot_cover_is_balance_insufficient_and_writes_nothing(
    auth_client, user, other_user, paid, wallet
):
    recipient = WalletFactory(user=other_user)
    transfer_create(
        user=user, source_wallet=wallet.public_id, destination_wallet=recipient.public_id, amount=9000
    )  # 680 left
    entries = JournalEntry.objects.count()
    response = refund(auth_client, paid, amount=1000)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "balance_insufficient")
    assert JournalEntry.objects.count() == entries
    assert not Refund.objects.exists()
    assert not Event.objects.filter(type="refund.created").exists()
    assert PaymentIntent.objects.get(public_id=paid).amount_refunded == 0


def test_an_intent_that_has_not_succeeded_cannot_be_refunded(auth_client, wallet, visa):
    pi = create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual").json()["data"]["id"]
    response = refund(auth_client, pi)
    assert response.json()["error"]["code"] == "payment_intent_unexpected_state"


def test_another_users_intent_is_a_404(other_client, paid):
    response = refund(other_client, paid)
    assert (response.status_code, response.json()["error"]["param"]) == (404, "payment_intent")


def test_refunds_are_listed_newest_first_and_only_to_their_owner(auth_client, other_client, paid):
    ids = [refund(auth_client, paid, amount=100).json()["data"]["id"] for _ in range(3)]
    assert [r["id"] for r in auth_client.get("/v1/refunds").json()["data"]["data"]] == ids[::-1]
    assert len(auth_client.get(f"/v1/refunds?payment_intent={paid}").json()["data"]["data"]) == 3
    assert other_client.get("/v1/refunds").json()["data"]["data"] == []
    assert other_client.get(f"/v1/refunds/{ids[0]}").status_code == 404


def test_a_fraudulent_reason_is_recorded(auth_client, paid):
    refund_id = refund(auth_client, paid, amount=500, reason="fraudulent").json()["data"]["id"]
    assert Refund.objects.get(public_id=refund_id).reason == "fraudulent"


def test_an_unknown_reason_is_parameter_invalid(auth_client, paid):
    response = refund(auth_client, paid, reason="bored")
    assert (response.status_code, response.json()["error"]["param"]) == (400, "reason")


def test_refund_created_is_recorded_with_the_refund(auth_client, user, paid):
    refund_id = refund(auth_client, paid, amount=500).json()["data"]["id"]
    event = Event.objects.get(user=user, type="refund.created")
    assert event.data["object"]["id"] == refund_id


def test_a_refund_the_connector_refuses_returns_the_money_and_records_refund_failed(auth_client, user, paid, wallet):
    refund_id = refund(auth_client, paid, amount=2500).json()["data"]["id"]  # pending: commit never happens here
    assert available_balance(wallet) == 9680 - (2500 - 80)  # 80: the refund's share of the 3.20 fee
    pending = Refund.objects.get(public_id=refund_id)
    refund_finish(refund_pk=pending.pk, result=ConnectorResult(status="error", error_code="charge_not_refundable"))
    failed = Refund.objects.get(public_id=refund_id)
    assert (failed.status, failed.failure_code) == ("failed", "charge_not_refundable")
    assert available_balance(wallet) == 9680
    assert PaymentIntent.objects.get(public_id=paid).amount_refunded == 0
    assert failed.reversal_entry.kind == "refund_reversal"
    assert Event.objects.filter(user=user, type="refund.failed").count() == 1
    refund_finish(refund_pk=pending.pk, result=ConnectorResult(status="error"))  # a repeat changes nothing
    assert available_balance(wallet) == 9680


@pytest.mark.django_db(transaction=True)  # the connector is called after the refund commits
def test_a_database_failure_after_the_refund_commits_leaves_it_pending_and_answers_201(auth_client, paid):
    def fail_recording_the_answer(execute, sql, params, many, context):
        if sql.startswith('SELECT "payments_refund"."intent_id" AS "intent_id" FROM "payments_refund"'):
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail_recording_the_answer):
        response = refund(auth_client, paid, amount=1000)

    assert response.status_code == 201
    assert response.json()["data"]["status"] == "pending"  # sync_payment_attempts finishes it
    assert Refund.objects.get().status == Refund.Status.PENDING
