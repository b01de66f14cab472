"""Fraud screening of payments: outcome, blocks, held captures, review handlers, fraudulent refunds."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.tests.factories import UserFactory
from fraud.models import AssessmentRecord, ListEntry, Review
from fraud.pipeline.velocity import reset_clients, velocity_read
from fraud.services import blocklist_add, review_close, rule_create
from ledger.models import JournalEntry
from ledger.services import system_account
from payments.models import PaymentIntent, Refund, SimulatorOperation
from payments.tests.factories import CARDS, payment_method
from payments.tests.support import create_intent
from wallets.models import BalanceTransaction
from wallets.tests.factories import available_balance, pending_balance
from webhooks.models import Event

pytestmark = pytest.mark.django_db

CLOSED_PORT_REDIS_URL = "redis://127.0.0.1:1/0"
NET = 10_000 - 320  # 100.00 less the 2.9 % + 30 fee


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def elevated(user):
    return payment_method(user, CARDS["fraud_elevated"])


def event_types(user) -> list[str]:
    return list(Event.objects.filter(user=user).order_by("pk").values_list("type", flat=True))


def fee_revenue() -> int:
    return system_account(purpose="fees", currency="usd").balance


def pay(client, wallet, method, amount=10_000, **extra):
    body = {"amount": amount, "currency": "usd", "wallet": wallet.public_id, "payment_method": method.public_id}
    return client.post("/v1/payment_intents", {**body, "confirm": True}, format="json", **extra)


def held_payment(client, wallet, method) -> str:
    response = pay(client, wallet, method)
    assert response.status_code == 201, response.json()
    return response.json()["data"]["id"]


# --- Outcome --------------------------------------------------------------------------


def test_a_confirmed_ordinary_payment_carries_an_authorized_normal_outcome(auth_client, wallet, visa):
    response = pay(auth_client, wallet, visa)

    outcome = response.json()["data"]["outcome"]
    assert response.status_code == 201
    assert (outcome["type"], outcome["risk_level"], outcome["rules"], outcome["reason"]) == (
        "authorized",
        "normal",
        [],
        None,
    )
    assert 0 <= outcome["risk_score"] < 65
    pi = response.json()["data"]["id"]
    assert auth_client.get(f"/v1/payment_intents/{pi}").json()["data"]["outcome"] == outcome
    assert auth_client.get("/v1/payment_intents").json()["data"]["data"][0]["outcome"] == outcome
    succeeded = Event.objects.get(type="payment_intent.succeeded").data["object"]
    assert succeeded["outcome"] == outcome


def test_confirming_a_created_intent_stores_the_outcome_and_one_feature_log_row(auth_client, user, wallet, visa):
    pi = create_intent(auth_client, wallet, visa).json()["data"]["id"]
    assert PaymentIntent.objects.get(public_id=pi).outcome is None

    response = auth_client.post(f"/v1/payment_intents/{pi}/confirm", {}, format="json")

    assert response.json()["data"]["outcome"]["type"] == "authorized"
    record = AssessmentRecord.objects.get(object_type="payment_intent", object_id=pi)
    assert (record.operation, record.user_id, record.amount, record.outcome_type) == (
        "payment",
        user.pk,
        10_000,
        "authorized",
    )


def test_the_attempt_is_counted_in_the_cards_velocity_after_the_decision(auth_client, user, wallet, visa):
    pay(auth_client, wallet, visa)
    declining = payment_method(user, CARDS["generic_decline"])
    pay(auth_client, wallet, declining)

    ok = velocity_read(user_id=user.pk, card_fingerprint=visa.fingerprint, ip=None).counters
    declined = velocity_read(user_id=user.pk, card_fingerprint=declining.fingerprint, ip=None).counters
    assert (ok["card_attempts_1h"], ok["card_declines_1h"]) == (1, 0)
    assert (declined["card_attempts_1h"], declined["card_declines_1h"]) == (1, 1)
    assert ok["user_attempts_1h"] == 2


def test_a_payment_from_a_blocklisted_ip_behind_a_trusted_proxy_is_blocked(auth_client, wallet, visa, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    blocklist_add(list_kind=ListEntry.Kind.IP, value="203.0.113.9", reason="test")

    response = pay(auth_client, wallet, visa, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert (response.status_code, response.json()["error"]["decline_code"]) == (402, "fraudulent")


def test_a_forged_x_forwarded_for_is_ignored_without_trusted_proxies(auth_client, wallet, visa):
    blocklist_add(list_kind=ListEntry.Kind.IP, value="203.0.113.9", reason="test")

    response = pay(auth_client, wallet, visa, REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert response.status_code == 201


# --- Blocked --------------------------------------------------------------------------


def test_the_highest_risk_card_is_a_402_fraudulent_with_no_connector_call_and_no_ledger_entry(
    auth_client, user, wallet
):
    method = payment_method(user, CARDS["fraud_highest"])
    entries = JournalEntry.objects.count()

    response = pay(auth_client, wallet, method)

    error = response.json()["error"]
    assert response.status_code == 402
    assert (error["type"], error["code"], error["decline_code"]) == ("card_error", "card_declined", "fraudulent")
    assert error["payment_intent"]["status"] == "requires_payment_method"
    intent = PaymentIntent.objects.get(public_id=error["payment_intent"]["id"])
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error["decline_code"] == "fraudulent"
    assert (intent.outcome["type"], intent.outcome["risk_level"]) == ("blocked", "highest")
    assert intent.outcome["rules"] == ["block-highest-risk"]
    assert not intent.attempts.exists()
    assert not SimulatorOperation.objects.exists()
    assert JournalEntry.objects.count() == entries
    assert (available_balance(wallet), pending_balance(wallet)) == (0, 0)
    assert event_types(user) == ["payment_intent.created", "payment_intent.payment_failed"]
    failed = Event.objects.get(type="payment_intent.payment_failed").data["object"]
    assert failed["outcome"]["type"] == "blocked"
    assert AssessmentRecord.objects.get(object_id=intent.public_id).outcome_type == "blocked"
    assert (
        velocity_read(user_id=user.pk, card_fingerprint=method.fingerprint, ip=None).counters["card_declines_1h"] == 1
    )


def test_a_blocked_confirm_with_an_idempotency_key_is_kept_and_replayed(auth_client, user, wallet):
    method = payment_method(user, CARDS["fraud_highest"])
    pi = create_intent(auth_client, wallet, method).json()["data"]["id"]

    first = auth_client.post(f"/v1/payment_intents/{pi}/confirm", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = auth_client.post(f"/v1/payment_intents/{pi}/confirm", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 402
    assert again.json()["error"]["decline_code"] == "fraudulent"
    assert PaymentIntent.objects.get(public_id=pi).outcome["type"] == "blocked"
    assert AssessmentRecord.objects.filter(object_id=pi).count() == 1


def test_a_blocked_intent_can_be_confirmed_again_with_another_card(auth_client, user, wallet, visa):
    method = payment_method(user, CARDS["fraud_highest"])
    pi = create_intent(auth_client, wallet, method).json()["data"]["id"]
    auth_client.post(f"/v1/payment_intents/{pi}/confirm", {}, format="json")

    response = auth_client.post(f"/v1/payment_intents/{pi}/confirm", {"payment_method": visa.public_id}, format="json")

    data = response.json()["data"]
    assert (data["status"], data["outcome"]["type"], data["last_payment_error"]) == ("succeeded", "authorized", None)
    assert available_balance(wallet) == NET


def test_a_block_rule_created_with_rule_create_applies_to_payments(auth_client, wallet, visa):
    rule_create(name="block-over-50-usd", expression="block if :amount_usd: > 50", reason="too_large_for_test")

    response = pay(auth_client, wallet, visa)

    assert (response.status_code, response.json()["error"]["decline_code"]) == (402, "fraudulent")
    intent = PaymentIntent.objects.get(public_id=response.json()["error"]["payment_intent"]["id"])
    assert (intent.outcome["rules"], intent.outcome["reason"]) == (["block-over-50-usd"], "too_large_for_test")
    assert pay(auth_client, wallet, visa, amount=4_000).status_code == 201


# --- Manual review: held funds ----------------------------------------------------------


def test_the_elevated_card_succeeds_but_the_money_waits_in_pending(auth_client, wallet, elevated):
    response = pay(auth_client, wallet, elevated)

    data = response.json()["data"]
    assert (response.status_code, data["status"], data["amount_received"]) == (201, "succeeded", 10_000)
    assert (data["outcome"]["type"], data["outcome"]["risk_level"]) == ("manual_review", "elevated")
    assert data["outcome"]["rules"] == ["review-elevated-risk"]
    assert (available_balance(wallet), pending_balance(wallet)) == (0, NET)
    balance = auth_client.get(f"/v1/wallets/{wallet.public_id}").json()["data"]["balance"]
    assert balance == {"available": 0, "pending": NET, "owed": 0}
    assert not BalanceTransaction.objects.filter(wallet=wallet).exists()
    assert fee_revenue() == 320
    assert JournalEntry.objects.get(kind="payment_capture").metadata["held_for_review"] is True


def test_a_held_payment_opens_a_review_and_records_review_opened(auth_client, user, wallet, elevated):
    pi = held_payment(auth_client, wallet, elevated)

    review = Review.objects.get(object_type="payment_intent", object_id=pi)
    assert review.is_open and review.user == user
    assert review.signals["card_fingerprint"] == elevated.fingerprint
    assert event_types(user) == ["payment_intent.created", "review.opened", "payment_intent.succeeded"]
    opened = Event.objects.get(type="review.opened").data["object"]
    assert opened["id"] == review.public_id
    assert PaymentIntent.objects.get(public_id=pi).held_for_review is True


def test_approving_the_review_releases_the_net_to_available_with_statement_lines(
    auth_client, user, wallet, elevated, staff
):
    pi = held_payment(auth_client, wallet, elevated)

    review_close(review=Review.objects.get(object_id=pi), approve=True, actor=staff)

    assert (available_balance(wallet), pending_balance(wallet)) == (NET, 0)
    lines = list(BalanceTransaction.objects.filter(wallet=wallet).order_by("pk"))
    assert [(line.type, line.amount, line.source, line.balance_after) for line in lines] == [
        ("payment", 10_000, pi, 10_000),
        ("fee", -320, pi, NET),
    ]
    assert JournalEntry.objects.get(kind="review_release").reference == pi
    assert fee_revenue() == 320
    assert event_types(user)[-1] == "review.closed"
    assert PaymentIntent.objects.get(public_id=pi).held_for_review is False
    assert AssessmentRecord.objects.get(object_id=pi).label is False


def test_rejecting_the_review_refunds_from_pending_and_blocks_the_card(
    auth_client, user, wallet, elevated, staff, django_capture_on_commit_callbacks
):
    pi = held_payment(auth_client, wallet, elevated)

    with django_capture_on_commit_callbacks(execute=True):
        review_close(review=Review.objects.get(object_id=pi), approve=False, actor=staff)

    refund = Refund.objects.get(intent__public_id=pi)
    assert (refund.amount, refund.reason, refund.status, refund.from_held_funds) == (
        10_000,
        "fraudulent",
        "succeeded",
        True,
    )
    assert (available_balance(wallet), pending_balance(wallet)) == (0, 0)
    assert fee_revenue() == 0  # the platform refused the payment: its fee goes back too
    assert not BalanceTransaction.objects.filter(wallet=wallet).exists()
    assert PaymentIntent.objects.get(public_id=pi).amount_refunded == 10_000
    assert ListEntry.objects.filter(kind="card_fingerprint", list_action="block", value=elevated.fingerprint).exists()
    assert AssessmentRecord.objects.get(object_id=pi).label is True
    assert event_types(user)[-2:] == ["refund.created", "review.closed"]


def test_after_a_rejected_review_a_new_payment_method_with_the_same_number_is_blocked(
    auth_client, user, wallet, elevated, staff
):
    pi = held_payment(auth_client, wallet, elevated)
    review_close(review=Review.objects.get(object_id=pi), approve=False, actor=staff)

    response = pay(auth_client, wallet, payment_method(user, CARDS["fraud_elevated"]))

    assert (response.status_code, response.json()["error"]["decline_code"]) == (402, "fraudulent")
    intent = PaymentIntent.objects.get(public_id=response.json()["error"]["payment_intent"]["id"])
    assert intent.outcome["rules"] == ["block-blocklisted-card"]


def test_the_admin_reject_action_once_confirmed_refunds_the_held_payment(admin_client, auth_client, wallet, elevated):
    pi = held_payment(auth_client, wallet, elevated)
    review = Review.objects.get(object_id=pi)

    response = admin_client.post(
        reverse("admin:fraud_review_changelist"),
        {"action": "reject", "_selected_action": [review.pk], "confirm": "yes"},
    )

    assert response.status_code == 302
    assert Refund.objects.get(intent__public_id=pi).from_held_funds is True
    assert pending_balance(wallet) == 0


def test_a_held_payment_cannot_be_refunded_until_its_review_closes(auth_client, wallet, elevated):
    pi = held_payment(auth_client, wallet, elevated)

    response = auth_client.post("/v1/refunds", {"payment_intent": pi}, format="json")

    assert (response.status_code, response.json()["error"]["code"]) == (400, "payment_intent_unexpected_state")
    assert pending_balance(wallet) == NET


def test_a_manual_capture_in_review_is_held_when_captured_and_released_on_approval(
    auth_client, user, wallet, elevated, staff
):
    pi = create_intent(auth_client, wallet, elevated, confirm=True, capture_method="manual").json()["data"]["id"]
    assert Review.objects.get(object_id=pi).is_open
    assert event_types(user)[-2:] == ["review.opened", "payment_intent.requires_capture"]

    auth_client.post(f"/v1/payment_intents/{pi}/capture", {"amount_to_capture": 6_000}, format="json")
    assert (available_balance(wallet), pending_balance(wallet)) == (0, 6_000 - 204)  # fee 174 + 30

    review_close(review=Review.objects.get(object_id=pi), approve=True, actor=staff)
    assert (available_balance(wallet), pending_balance(wallet)) == (6_000 - 204, 0)


def test_approving_before_the_capture_lets_the_capture_credit_available(auth_client, wallet, elevated, staff):
    pi = create_intent(auth_client, wallet, elevated, confirm=True, capture_method="manual").json()["data"]["id"]
    review_close(review=Review.objects.get(object_id=pi), approve=True, actor=staff)

    auth_client.post(f"/v1/payment_intents/{pi}/capture", {}, format="json")

    assert (available_balance(wallet), pending_balance(wallet)) == (NET, 0)


def test_rejecting_before_the_capture_voids_the_authorization(auth_client, wallet, elevated, staff):
    pi = create_intent(auth_client, wallet, elevated, confirm=True, capture_method="manual").json()["data"]["id"]

    review_close(review=Review.objects.get(object_id=pi), approve=False, actor=staff)

    data = auth_client.get(f"/v1/payment_intents/{pi}").json()["data"]
    assert (data["status"], data["cancellation_reason"]) == ("canceled", "fraudulent")
    assert SimulatorOperation.objects.filter(operation="void").count() == 1
    assert (available_balance(wallet), pending_balance(wallet)) == (0, 0)


# --- Fraudulent refunds -------------------------------------------------------------------


def test_a_fraudulent_refund_blocks_the_card_and_labels_the_assessment(
    auth_client, user, wallet, visa, django_capture_on_commit_callbacks
):
    pi = pay(auth_client, wallet, visa).json()["data"]["id"]

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(
            "/v1/refunds", {"payment_intent": pi, "amount": 5_000, "reason": "fraudulent"}, format="json"
        )

    assert response.status_code == 201
    entry = ListEntry.objects.get(kind="card_fingerprint", value=visa.fingerprint)
    assert entry.list_action == "block"
    record = AssessmentRecord.objects.get(object_id=pi)
    assert (record.label, record.label_source) == (True, "refund_fraudulent")
    again = pay(auth_client, wallet, payment_method(user, CARDS["visa"]))
    assert (again.status_code, again.json()["error"]["decline_code"]) == (402, "fraudulent")


def test_a_refund_for_another_reason_blocks_nothing(auth_client, wallet, visa):
    pi = pay(auth_client, wallet, visa).json()["data"]["id"]

    response = auth_client.post(
        "/v1/refunds", {"payment_intent": pi, "amount": 5_000, "reason": "requested_by_customer"}, format="json"
    )

    assert response.status_code == 201
    assert not ListEntry.objects.exists()
    assert AssessmentRecord.objects.get(object_id=pi).label is None


# --- Redis down ---------------------------------------------------------------------------


def test_with_redis_down_a_payment_is_confirmed_with_its_outcome_and_velocity_missing(
    auth_client, wallet, visa, settings
):
    settings.FRAUD_REDIS_URL = CLOSED_PORT_REDIS_URL
    reset_clients()
    try:
        response = pay(auth_client, wallet, visa)
    finally:
        reset_clients()

    assert response.status_code == 201
    assert response.json()["data"]["outcome"]["type"] == "authorized"
    record = AssessmentRecord.objects.get(object_id=response.json()["data"]["id"])
    assert record.features["velocity_missing"] == 1.0


def test_with_redis_down_a_review_lists_velocity_among_the_missing_signals(auth_client, wallet, elevated, settings):
    settings.FRAUD_REDIS_URL = CLOSED_PORT_REDIS_URL
    reset_clients()
    try:
        pi = held_payment(auth_client, wallet, elevated)
    finally:
        reset_clients()

    assert "velocity" in Review.objects.get(object_id=pi).signals["missing"]
    assert pending_balance(wallet) == NET


# --- Cost and simulation -----------------------------------------------------------------


def test_create_and_confirm_stays_within_its_query_budget(auth_client, wallet, visa, django_assert_max_num_queries):
    """39 statements before screening; + the lists query, the rules query (cached for 5 s outside
    tests, so +2 in production) and the feature-log INSERT."""
    pay(auth_client, wallet, visa)  # warm the per-process caches (system accounts, the risk model)
    with django_assert_max_num_queries(42):
        response = pay(auth_client, wallet, visa)
    assert response.status_code == 201


def test_simulate_traffic_runs_payments_through_the_real_services(db):
    out = StringIO()
    call_command("simulate_traffic", "--users", "12", "--days", "2", "--seed", "3", "--mode", "payments", stdout=out)

    assert "Ran " in out.getvalue()
    intents = PaymentIntent.objects.filter(description__startswith="simulated payment")
    assert intents.exists()
    assert not intents.filter(outcome__isnull=True).exists()
    labeled = AssessmentRecord.objects.filter(object_type="payment_intent", label_source__in=["simulated"])
    assert labeled.exists()
    assert not Review.objects.filter(object_type="payment_intent", status=Review.Status.OPEN).exists()
