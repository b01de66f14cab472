"""Payment intents through the API: the state machine, each test card, declines, capture, cancel."""

import pytest

from fraud.services import allowlist_add
from payments.models import PaymentAttempt, PaymentIntent
from payments.tests.factories import CARDS, payment_method
from payments.tests.support import create_intent
from wallets.tests.factories import WalletFactory, available_balance
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def event_types(user):
    return list(Event.objects.filter(user=user).order_by("pk").values_list("type", flat=True))


def test_creating_without_a_payment_method_requires_one(auth_client, wallet):
    response = create_intent(auth_client, wallet)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["id"].startswith("pi_")
    assert data["object"] == "payment_intent"
    assert data["status"] == "requires_payment_method"
    assert data["outcome"] is None
    assert data["attempts"] == []


def test_creating_with_a_payment_method_requires_confirmation(auth_client, wallet, visa):
    assert create_intent(auth_client, wallet, visa).json()["data"]["status"] == "requires_confirmation"


def test_confirming_a_created_intent_collects_into_the_wallet_less_the_fee(auth_client, user, wallet, visa):
    pi = create_intent(auth_client, wallet, visa).json()["data"]["id"]
    response = auth_client.post(f"/v1/payment_intents/{pi}/confirm", {}, format="json")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "succeeded"
    assert data["amount_received"] == 10_000
    assert available_balance(wallet) == 10_000 - 320  # 2.9 % + 30
    assert event_types(user) == ["payment_intent.created", "payment_intent.succeeded"]


def test_confirm_can_attach_the_payment_method(auth_client, wallet, visa):
    pi = create_intent(auth_client, wallet).json()["data"]["id"]
    response = auth_client.post(f"/v1/payment_intents/{pi}/confirm", {"payment_method": visa.public_id}, format="json")
    assert response.json()["data"]["status"] == "succeeded"
    assert response.json()["data"]["payment_method"] == visa.public_id


def test_confirming_without_any_payment_method_is_parameter_missing(auth_client, wallet):
    pi = create_intent(auth_client, wallet).json()["data"]["id"]
    response = auth_client.post(f"/v1/payment_intents/{pi}/confirm", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "payment_method"


@pytest.mark.parametrize("card", ["visa", "mastercard", "fraud_elevated"])  # fraud_highest: see test_fraud.py
def test_cards_that_succeed_at_the_connector(auth_client, user, wallet, card):
    method = payment_method(user, CARDS[card])
    response = create_intent(auth_client, wallet, method, confirm=True)
    assert response.status_code == 201
    assert response.json()["data"]["status"] == "succeeded"


@pytest.mark.parametrize("decline_code", ["generic_decline", "insufficient_funds", "expired_card", "incorrect_cvc"])
def test_a_declined_card_is_a_402_and_the_intent_requires_a_payment_method(auth_client, user, wallet, decline_code):
    method = payment_method(user, CARDS[decline_code])
    response = create_intent(auth_client, wallet, method, confirm=True)
    assert response.status_code == 402
    error = response.json()["error"]
    assert (error["type"], error["code"], error["decline_code"]) == ("card_error", "card_declined", decline_code)
    intent = PaymentIntent.objects.get(public_id=error["payment_intent"]["id"])
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error["decline_code"] == decline_code
    assert intent.last_payment_error["type"] == "card_error"
    assert available_balance(wallet) == 0
    assert event_types(user) == ["payment_intent.created", "payment_intent.payment_failed"]


def test_a_decline_in_a_keyed_request_is_persisted_and_replayed(auth_client, user, wallet):
    method = payment_method(user, CARDS["generic_decline"])
    pi = create_intent(auth_client, wallet, method).json()["data"]["id"]
    first = auth_client.post(f"/v1/payment_intents/{pi}/confirm", {}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 402
    intent = PaymentIntent.objects.get(public_id=pi)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error["decline_code"] == "generic_decline"
    again = auth_client.post(f"/v1/payment_intents/{pi}/confirm", {}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code == 402
    assert again.headers["Idempotent-Replayed"] == "true"
    assert PaymentAttempt.objects.filter(intent=intent).count() == 1


def test_after_a_decline_a_new_card_can_be_confirmed(auth_client, user, wallet, visa):
    declined = payment_method(user, CARDS["insufficient_funds"])
    pi = create_intent(auth_client, wallet, declined).json()["data"]["id"]
    assert auth_client.post(f"/v1/payment_intents/{pi}/confirm", {}, format="json").status_code == 402
    response = auth_client.post(f"/v1/payment_intents/{pi}/confirm", {"payment_method": visa.public_id}, format="json")
    data = response.json()["data"]
    assert data["status"] == "succeeded"
    assert data["last_payment_error"] is None
    assert [attempt["status"] for attempt in data["attempts"]] == ["declined", "succeeded"]


def test_a_keyed_create_and_confirm_happens_once(auth_client, wallet, visa):
    body = {
        "amount": 5000,
        "currency": "usd",
        "wallet": wallet.public_id,
        "payment_method": visa.public_id,
        "confirm": True,
    }
    first = auth_client.post("/v1/payment_intents", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    second = auth_client.post("/v1/payment_intents", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["data"]["id"] == second.json()["data"]["id"]
    assert PaymentIntent.objects.count() == 1
    assert available_balance(wallet) == 5000 - 175


def test_manual_capture_stops_at_requires_capture_and_posts_nothing(auth_client, user, wallet, visa):
    response = create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual")
    data = response.json()["data"]
    assert data["status"] == "requires_capture"
    assert data["amount_capturable"] == 10_000
    assert data["amount_received"] == 0
    assert available_balance(wallet) == 0
    assert event_types(user)[-1] == "payment_intent.requires_capture"


def test_a_partial_capture_releases_the_remainder(auth_client, wallet, visa):
    pi = create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual").json()["data"]["id"]
    response = auth_client.post(f"/v1/payment_intents/{pi}/capture", {"amount_to_capture": 6000}, format="json")
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["status"], data["amount_received"], data["amount_capturable"]) == ("succeeded", 6000, 0)
    assert available_balance(wallet) == 6000 - 204  # 174 (2.9 % of 6000) + 30


def test_capturing_more_than_capturable_is_amount_too_large(auth_client, wallet, visa):
    pi = create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual").json()["data"]["id"]
    response = auth_client.post(f"/v1/payment_intents/{pi}/capture", {"amount_to_capture": 10_001}, format="json")
    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["param"]) == (
        "amount_too_large",
        "amount_to_capture",
    )
    assert PaymentIntent.objects.get(public_id=pi).status == "requires_capture"


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ("succeeded", "confirm"),
        ("succeeded", "capture"),
        ("succeeded", "cancel"),
        ("requires_confirmation", "capture"),
        ("requires_capture", "confirm"),
        ("canceled", "confirm"),
        ("canceled", "capture"),
        ("canceled", "cancel"),
    ],
)
def test_an_illegal_transition_is_payment_intent_unexpected_state(auth_client, wallet, visa, setup, action):
    manual = setup in ("requires_capture", "canceled")
    pi = create_intent(
        auth_client,
        wallet,
        visa,
        confirm=setup != "requires_confirmation",
        capture_method="manual" if manual else "automatic",
    ).json()["data"]["id"]
    if setup == "canceled":
        auth_client.post(f"/v1/payment_intents/{pi}/cancel", {}, format="json")
    response = auth_client.post(f"/v1/payment_intents/{pi}/{action}", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "payment_intent_unexpected_state"
    assert PaymentIntent.objects.get(public_id=pi).status == setup


def test_canceling_an_authorized_intent_voids_it(auth_client, user, wallet, visa):
    pi = create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual").json()["data"]["id"]
    response = auth_client.post(
        f"/v1/payment_intents/{pi}/cancel", {"cancellation_reason": "requested_by_customer"}, format="json"
    )
    data = response.json()["data"]
    assert (data["status"], data["cancellation_reason"], data["amount_capturable"]) == (
        "canceled",
        "requested_by_customer",
        0,
    )
    assert data["canceled_at"] is not None
    assert event_types(user)[-1] == "payment_intent.canceled"
    from payments.models import SimulatorOperation

    assert SimulatorOperation.objects.filter(operation="void", status="succeeded").count() == 1


def test_canceling_an_unconfirmed_intent_needs_no_connector(auth_client, wallet):
    pi = create_intent(auth_client, wallet).json()["data"]["id"]
    assert (
        auth_client.post(f"/v1/payment_intents/{pi}/cancel", {}, format="json").json()["data"]["status"] == "canceled"
    )


def test_another_users_intent_wallet_or_card_is_a_404(auth_client, other_client, other_user, wallet, visa):
    pi = create_intent(auth_client, wallet, visa).json()["data"]["id"]
    assert other_client.get(f"/v1/payment_intents/{pi}").status_code == 404
    assert other_client.post(f"/v1/payment_intents/{pi}/confirm", {}, format="json").status_code == 404
    other_wallet = WalletFactory(user=other_user)
    response = create_intent(other_client, other_wallet, visa)
    assert (response.status_code, response.json()["error"]["param"]) == (404, "payment_method")
    response = create_intent(other_client, wallet)
    assert (response.status_code, response.json()["error"]["param"]) == (404, "wallet")


def test_a_wallet_in_another_currency_is_currency_mismatch(auth_client, wallet):
    response = auth_client.post(
        "/v1/payment_intents", {"amount": 100, "currency": "eur", "wallet": wallet.public_id}, format="json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "currency_mismatch")


@pytest.mark.parametrize("amount", [0, -5, 1.5, "100", 100_000_000_000])
def test_a_bad_amount_is_parameter_invalid(auth_client, wallet, amount):
    response = create_intent(auth_client, wallet, amount=amount)
    assert (response.status_code, response.json()["error"]["param"]) == (400, "amount")


def test_the_largest_amount_works(auth_client, wallet, visa):
    # A billion from a new account scores "highest" (blocked): allowlist the card, as an operator would.
    allowlist_add(list_kind="card_fingerprint", value=visa.fingerprint)
    response = create_intent(auth_client, wallet, visa, confirm=True, amount=99_999_999_999)
    assert response.json()["data"]["amount_received"] == 99_999_999_999


def test_the_list_is_newest_first_with_attempts(auth_client, wallet, visa, django_assert_max_num_queries):
    ids = [create_intent(auth_client, wallet, visa, confirm=True).json()["data"]["id"] for _ in range(3)]
    with django_assert_max_num_queries(8):
        response = auth_client.get("/v1/payment_intents?limit=2")
    page = response.json()["data"]
    assert [item["id"] for item in page["data"]] == ids[::-1][:2]
    assert page["has_more"] is True
    assert page["data"][0]["attempts"][0]["connector"] == "simulator_a"


def test_the_succeeded_event_carries_the_intent(auth_client, user, wallet, visa):
    pi = create_intent(auth_client, wallet, visa, confirm=True).json()["data"]["id"]
    event = Event.objects.get(user=user, type="payment_intent.succeeded")
    assert event.data["object"]["id"] == pi
    assert event.data["object"]["status"] == "succeeded"
