"""Disputes through the API: the processor's notification opens one, the owner answers it."""

import pytest

from fraud.models import ListEntry
from payments.models import Dispute, Refund, SimulatorNotification
from payments.tests.disputes_support import DISPUTE_CARDS, open_dispute, paid_intent, rule, submit_evidence
from wallets.tests.factories import available_balance, fund
from webhooks.models import Event

pytestmark = pytest.mark.django_db

NET = 10_000 - 320  # a 100.00 payment less the 2.9% + 0.30 platform fee


def owed(wallet) -> int:
    wallet.refresh_from_db()
    if wallet.owed_account_id is None:
        return 0
    return wallet.owed_account.balance


@pytest.fixture
def disputed(auth_client, api_client, user, wallet):
    """A 100.00 payment by the `fraudulent` dispute card, and its dispute opened by the processor."""
    return open_dispute(api_client, paid_intent(auth_client, user, wallet))


def test_the_capture_of_a_dispute_card_schedules_the_processors_notification(auth_client, user, wallet):
    intent = paid_intent(auth_client, user, wallet)
    notification = SimulatorNotification.objects.get(charge_reference=intent.connector_reference)
    assert notification.type == "dispute.created"
    assert notification.due_at is not None and notification.sent_at is None
    assert notification.payload["data"] | {"dispute": None, "evidence_due_by": None} == {
        "dispute": None,
        "charge": intent.connector_reference,
        "amount": 10_000,
        "currency": "usd",
        "reason": "fraudulent",
        "status": "needs_response",
        "evidence_due_by": None,
    }


def test_a_manual_capture_arms_the_dispute_until_the_charge_is_captured(auth_client, user, wallet):
    intent = paid_intent(auth_client, user, wallet, capture_method="manual")
    assert SimulatorNotification.objects.get(charge_reference=intent.connector_reference).due_at is None
    response = auth_client.post(
        f"/v1/payment_intents/{intent.public_id}/capture", {"amount_to_capture": 6_000}, format="json"
    )
    assert response.status_code == 200, response.json()
    notification = SimulatorNotification.objects.get(charge_reference=intent.connector_reference)
    assert notification.due_at is not None
    assert notification.payload["data"]["amount"] == 6_000


def test_an_ordinary_card_schedules_no_dispute(auth_client, user, wallet):
    paid_intent(auth_client, user, wallet, card="4242424242424242")
    assert not SimulatorNotification.objects.exists()


def test_a_dispute_has_the_contract_shape(auth_client, disputed):
    response = auth_client.get(f"/v1/disputes/{disputed.public_id}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {
        "id",
        "object",
        "amount",
        "currency",
        "payment_intent",
        "reason",
        "status",
        "evidence",
        "evidence_details",
        "balance_transactions",
        "created",
    }
    assert data["id"].startswith("dp_") and data["object"] == "dispute"
    assert (data["amount"], data["currency"], data["reason"], data["status"]) == (
        10_000,
        "usd",
        "fraudulent",
        "needs_response",
    )
    assert data["payment_intent"] == disputed.intent.public_id
    assert set(data["evidence_details"]) == {"due_by", "has_evidence", "submission_count"}
    assert data["evidence_details"]["has_evidence"] is False
    assert all(value is None for value in data["evidence"].values())
    assert all(txn.startswith("txn_") for txn in data["balance_transactions"])


def test_opening_a_dispute_withdraws_the_amount_and_the_fee_and_the_rest_becomes_owed(auth_client, disputed, wallet):
    assert available_balance(wallet) == 0
    assert owed(wallet) == 10_000 + 1_500 - NET
    balance = auth_client.get(f"/v1/wallets/{wallet.public_id}").json()["data"]["balance"]
    assert balance == {"available": 0, "pending": 0, "owed": 1_820}


def test_a_wallet_that_covers_the_dispute_owes_nothing(auth_client, api_client, user, wallet):
    fund(wallet, 5_000)
    open_dispute(api_client, paid_intent(auth_client, user, wallet))
    assert available_balance(wallet) == NET + 5_000 - 11_500
    assert owed(wallet) == 0


def test_the_statement_shows_the_withdrawal_as_dispute_lines(auth_client, disputed, wallet):
    rows = auth_client.get(f"/v1/wallets/{wallet.public_id}/transactions").json()["data"]["data"]
    dispute_rows = [row for row in rows if row["type"] == "dispute"]
    assert sorted(row["amount"] for row in dispute_rows) == [-NET]
    assert {row["source"] for row in dispute_rows} == {disputed.public_id}
    assert [row["id"] for row in dispute_rows] == disputed.balance_transaction_ids


def test_another_users_dispute_is_a_404(other_client, disputed):
    assert other_client.get(f"/v1/disputes/{disputed.public_id}").status_code == 404
    response = other_client.post(f"/v1/disputes/{disputed.public_id}", {"submit": True}, format="json")
    assert response.status_code == 404
    assert other_client.post(f"/v1/disputes/{disputed.public_id}/close").status_code == 404


def test_disputes_are_listed_only_to_their_owner(auth_client, other_client, disputed):
    mine = auth_client.get("/v1/disputes").json()["data"]
    assert [row["id"] for row in mine["data"]] == [disputed.public_id]
    assert mine["url"] == "/v1/disputes"
    assert other_client.get("/v1/disputes").json()["data"]["data"] == []


def test_staging_evidence_merges_the_fields_and_submits_nothing(auth_client, disputed):
    url = f"/v1/disputes/{disputed.public_id}"
    auth_client.post(url, {"evidence": {"receipt": "rcpt 1"}}, format="json")
    response = auth_client.post(url, {"evidence": {"customer_communication": "emails"}}, format="json")
    data = response.json()["data"]
    assert response.status_code == 200
    assert (data["evidence"]["receipt"], data["evidence"]["customer_communication"]) == ("rcpt 1", "emails")
    assert data["evidence_details"]["has_evidence"] is True
    assert data["evidence_details"]["submission_count"] == 0
    assert data["status"] == "needs_response"


def test_submitting_evidence_puts_the_dispute_under_review(auth_client, disputed):
    response = auth_client.post(
        f"/v1/disputes/{disputed.public_id}", {"evidence": {"receipt": "r"}, "submit": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "under_review"
    assert response.json()["data"]["evidence_details"]["submission_count"] == 1


def test_evidence_cannot_change_after_it_was_submitted(auth_client, disputed):
    url = f"/v1/disputes/{disputed.public_id}"
    auth_client.post(url, {"evidence": {"receipt": "r"}, "submit": True}, format="json")
    response = auth_client.post(url, {"evidence": {"receipt": "other"}}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "dispute_already_submitted"
    disputed.refresh_from_db()
    assert disputed.evidence == {"receipt": "r"}


def test_an_unknown_evidence_field_is_a_400_and_nothing_is_staged(auth_client, disputed):
    response = auth_client.post(
        f"/v1/disputes/{disputed.public_id}", {"evidence": {"receipt": "r", "favourite_colour": "blue"}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "evidence[favourite_colour]"
    disputed.refresh_from_db()
    assert disputed.evidence == {}


def test_an_unknown_top_level_field_is_a_400(auth_client, disputed):
    response = auth_client.post(f"/v1/disputes/{disputed.public_id}", {"submitt": True}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "submitt"


def test_evidence_over_150000_characters_in_all_is_a_400(auth_client, disputed):
    url = f"/v1/disputes/{disputed.public_id}"
    assert auth_client.post(url, {"evidence": {"receipt": "x" * 100_000}}, format="json").status_code == 200
    response = auth_client.post(url, {"evidence": {"customer_communication": "y" * 50_001}}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "evidence"
    disputed.refresh_from_db()
    assert set(disputed.evidence) == {"receipt"}


def test_submit_must_be_a_json_boolean(auth_client, disputed):
    response = auth_client.post(f"/v1/disputes/{disputed.public_id}", {"submit": "true"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_invalid"


def test_closing_a_dispute_accepts_the_loss_and_moves_nothing_more(auth_client, disputed, wallet):
    response = auth_client.post(f"/v1/disputes/{disputed.public_id}/close")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "lost"
    assert (available_balance(wallet), owed(wallet)) == (0, 1_820)
    again = auth_client.post(f"/v1/disputes/{disputed.public_id}/close")
    assert again.status_code == 400 and again.json()["error"]["code"] == "dispute_closed"


def test_winning_evidence_gives_back_the_amount_and_the_fee_repaying_the_debt_first(
    auth_client, api_client, disputed, wallet
):
    submit_evidence(auth_client, disputed, "winning_evidence")
    rule(api_client, disputed)
    disputed.refresh_from_db()
    assert disputed.status == "won"
    assert owed(wallet) == 0
    assert available_balance(wallet) == NET  # 115.00 back, 18.20 of it repays the debt
    rows = auth_client.get(f"/v1/wallets/{wallet.public_id}/transactions").json()["data"]["data"]
    assert sorted(row["amount"] for row in rows if row["type"] == "dispute_reversal") == [1_500, 10_000]


def test_losing_evidence_loses_and_moves_nothing_more(auth_client, api_client, disputed, wallet):
    submit_evidence(auth_client, disputed, "losing_evidence")
    rule(api_client, disputed)
    disputed.refresh_from_db()
    assert disputed.status == "lost"
    assert (available_balance(wallet), owed(wallet)) == (0, 1_820)


def test_a_lost_fraudulent_dispute_puts_the_card_on_the_block_list(auth_client, disputed):
    auth_client.post(f"/v1/disputes/{disputed.public_id}/close")
    fingerprint = disputed.intent.payment_method.fingerprint
    assert ListEntry.objects.filter(
        kind=ListEntry.Kind.CARD_FINGERPRINT, list_action=ListEntry.ListAction.BLOCK, value=fingerprint
    ).exists()


def test_a_lost_product_not_received_dispute_blocks_no_card(auth_client, api_client, user, wallet):
    dispute = open_dispute(
        api_client, paid_intent(auth_client, user, wallet, card=DISPUTE_CARDS["product_not_received"])
    )
    assert dispute.reason == "product_not_received"
    auth_client.post(f"/v1/disputes/{dispute.public_id}/close")
    assert not ListEntry.objects.filter(kind=ListEntry.Kind.CARD_FINGERPRINT).exists()


def test_an_inquiry_moves_no_money(auth_client, api_client, user, wallet):
    inquiry = open_dispute(api_client, paid_intent(auth_client, user, wallet, card=DISPUTE_CARDS["inquiry"]))
    assert inquiry.status == "warning_needs_response"
    assert inquiry.withdrawal_entry_id is None and inquiry.balance_transaction_ids == []
    assert available_balance(wallet) == NET


def test_an_inquiry_closes_as_warning_closed(auth_client, api_client, user, wallet):
    inquiry = open_dispute(api_client, paid_intent(auth_client, user, wallet, card=DISPUTE_CARDS["inquiry"]))
    response = auth_client.post(f"/v1/disputes/{inquiry.public_id}/close")
    assert response.json()["data"]["status"] == "warning_closed"


def test_refunding_a_disputed_payment_is_charge_disputed_and_writes_nothing(auth_client, disputed):
    response = auth_client.post("/v1/refunds", {"payment_intent": disputed.intent.public_id}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "charge_disputed"
    assert not disputed.intent.refunds.exists()


def test_a_payment_under_inquiry_can_still_be_refunded(auth_client, api_client, user, wallet):
    intent = paid_intent(auth_client, user, wallet, card=DISPUTE_CARDS["inquiry"])
    open_dispute(api_client, intent)
    response = auth_client.post("/v1/refunds", {"payment_intent": intent.public_id, "amount": 1_000}, format="json")
    assert response.status_code == 201


def test_opening_a_dispute_records_created_and_funds_withdrawn(user, disputed):
    events = list(Event.objects.filter(user=user, type__startswith="dispute.").order_by("pk"))
    assert [event.type for event in events] == ["dispute.created", "dispute.funds_withdrawn"]
    assert events[0].data["object"]["id"] == disputed.public_id


def test_a_won_dispute_records_updated_reinstated_and_closed(auth_client, api_client, user, disputed):
    submit_evidence(auth_client, disputed, "winning_evidence")
    rule(api_client, disputed)
    types = list(
        Event.objects.filter(user=user, type__startswith="dispute.").order_by("pk").values_list("type", flat=True)
    )
    assert types[2:] == ["dispute.updated", "dispute.funds_reinstated", "dispute.closed"]
    closed = Event.objects.get(user=user, type="dispute.closed")
    assert closed.data["object"]["status"] == "won"


def test_the_dispute_model_keeps_what_moved(disputed):
    assert (disputed.fee, disputed.amount_withdrawn, disputed.amount_owed) == (1_500, NET, 1_820)
    assert Dispute.objects.count() == 1


def test_evidence_without_a_test_phrase_gets_no_ruling(auth_client, disputed):
    submit_evidence(auth_client, disputed, "the customer signed for the parcel")
    assert not SimulatorNotification.objects.filter(type="dispute.closed").exists()
    disputed.refresh_from_db()
    assert disputed.status == "under_review"


def test_the_schema_documents_the_dispute_endpoints(api_client):
    paths = api_client.get("/v1/schema", HTTP_ACCEPT="application/json").json()["paths"]
    assert {"get", "post"} <= set(paths["/v1/disputes/{id}"])
    assert "post" in paths["/v1/disputes/{id}/close"]
    assert "get" in paths["/v1/disputes"]
    assert "post" in paths["/v1/connectors/{connector}/notifications"]


def test_a_partly_refunded_payment_is_disputed_for_what_was_not_refunded(auth_client, api_client, user, wallet):
    intent = paid_intent(auth_client, user, wallet)
    refund = auth_client.post("/v1/refunds", {"payment_intent": intent.public_id, "amount": 3_000}, format="json")
    assert refund.status_code == 201
    held = NET - 3_000 + Refund.objects.get().fee_refunded  # the refund gave back its share of the fee
    dispute = open_dispute(api_client, intent)
    assert (dispute.amount, dispute.fee, dispute.amount_withdrawn) == (7_000, 1_500, held)
    assert owed(wallet) == 7_000 + 1_500 - held
