"""Fraud screening of transfers and payouts: outcome, blocks, held funds, reviews and their handlers."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import AuditLogEntry
from fraud.models import AssessmentRecord, ListEntry, Review
from fraud.pipeline.velocity import reset_clients
from fraud.services import blocklist_add, review_close, rule_create
from ledger.models import JournalEntry
from wallets.models import BalanceTransaction, Payout, Transfer
from wallets.tests.factories import WalletFactory, available_balance, pending_balance
from webhooks.models import Event

CLOSED_PORT_REDIS_URL = "redis://127.0.0.1:1/0"
ROUTING = "110000000"
PAYS = "000123456789"


def send(client, source, destination, amount=1_000, **extra):
    body = {"source_wallet": source.public_id, "destination_wallet": destination.public_id, "amount": amount}
    return client.post("/v1/transfers", body, format="json", **extra)


def pay_out(client, wallet, amount=1_000, **extra):
    body = {
        "wallet": wallet.public_id,
        "amount": amount,
        "destination": {"account_number": PAYS, "routing_number": ROUTING},
    }
    return client.post("/v1/payouts", body, format="json", **extra)


@pytest.fixture
def rich_wallet(user):
    return WalletFactory(user=user, currency="usd", balance=1_000_000)


@pytest.fixture
def review_over_50_usd(db):
    return rule_create(name="review-over-50", expression="review if :amount_usd: > 50", reason="large_for_test")


@pytest.fixture
def staff(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(is_staff=True)


def event_types(user) -> list[str]:
    return list(Event.objects.filter(user=user).order_by("pk").values_list("type", flat=True))


# --- Outcome ------------------------------------------------------------------------


def test_an_ordinary_transfer_is_authorized_and_its_outcome_is_stored_and_shown(
    auth_client, funded_usd_wallet, other_user_wallet
):
    created = send(auth_client, funded_usd_wallet, other_user_wallet).json()["data"]

    shown = auth_client.get(f"/v1/transfers/{created['id']}").json()["data"]

    assert created["outcome"]["type"] == "authorized"
    assert created["outcome"]["risk_level"] == "normal"
    assert shown["outcome"] == created["outcome"]
    assert Transfer.objects.get(public_id=created["id"]).outcome == created["outcome"]


def test_a_transfer_writes_its_feature_log_row(auth_client, funded_usd_wallet, other_user_wallet):
    transfer_id = send(auth_client, funded_usd_wallet, other_user_wallet).json()["data"]["id"]

    record = AssessmentRecord.objects.get(object_type="transfer", object_id=transfer_id)
    assert (record.operation, record.amount, record.outcome_type) == ("transfer", 1_000, "authorized")


def test_an_ordinary_payout_carries_its_outcome_in_the_list_too(auth_client, funded_usd_wallet):
    created = pay_out(auth_client, funded_usd_wallet).json()["data"]

    listed = auth_client.get("/v1/payouts").json()["data"]["data"][0]

    assert created["outcome"]["type"] == "authorized"
    assert listed["outcome"] == created["outcome"]


# --- Blocked ------------------------------------------------------------------------


def test_a_block_rule_refuses_the_transfer_and_writes_nothing(auth_client, rich_wallet, other_user_wallet):
    rule_create(name="block-over-5000", expression="block if :amount_usd: > 5000")

    response = send(auth_client, rich_wallet, other_user_wallet, 600_000)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "blocked_by_fraud_screening"
    assert not Transfer.objects.exists()
    assert not JournalEntry.objects.filter(kind="transfer").exists()
    assert not BalanceTransaction.objects.exclude(type="adjustment").exists()
    assert not Event.objects.exists()
    assert not AssessmentRecord.objects.exists()
    assert available_balance(rich_wallet) == 1_000_000
    assert available_balance(other_user_wallet) == 0


def test_a_block_rule_refuses_the_payout_and_writes_nothing(auth_client, rich_wallet):
    rule_create(name="block-over-5000", expression="block if :amount_usd: > 5000")

    response = pay_out(auth_client, rich_wallet, 600_000)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "blocked_by_fraud_screening"
    assert not Payout.objects.exists()
    assert not JournalEntry.objects.filter(kind="payout").exists()
    assert not Event.objects.exists()
    assert available_balance(rich_wallet) == 1_000_000


def test_a_transfer_from_a_blocklisted_ip_is_blocked(auth_client, funded_usd_wallet, other_user_wallet):
    blocklist_add(list_kind=ListEntry.Kind.IP, value="203.0.113.9", reason="test")

    response = send(auth_client, funded_usd_wallet, other_user_wallet, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "blocked_by_fraud_screening"
    assert not Transfer.objects.exists()


def test_the_client_ip_behind_a_trusted_proxy_comes_from_x_forwarded_for(
    auth_client, funded_usd_wallet, other_user_wallet, settings
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    blocklist_add(list_kind=ListEntry.Kind.IP, value="203.0.113.9", reason="test")

    response = send(
        auth_client, funded_usd_wallet, other_user_wallet, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )

    assert response.json()["error"]["code"] == "blocked_by_fraud_screening"


def test_a_forged_x_forwarded_for_is_ignored_without_trusted_proxies(auth_client, funded_usd_wallet, other_user_wallet):
    blocklist_add(list_kind=ListEntry.Kind.IP, value="203.0.113.9", reason="test")

    response = send(
        auth_client, funded_usd_wallet, other_user_wallet, REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )

    assert response.status_code == 201


def test_a_payout_to_a_destination_is_assessed_with_its_fingerprint_never_the_number(
    auth_client, funded_usd_wallet, review_over_50_usd
):
    payout_id = pay_out(auth_client, funded_usd_wallet, 6_000).json()["data"]["id"]

    signals = Review.objects.get(object_id=payout_id).signals
    assert len(signals["destination_fingerprint"]) == 32
    assert PAYS not in str(signals)


# --- Manual review of a transfer ----------------------------------------------------------


def test_a_transfer_in_review_holds_the_money_in_the_recipients_pending_balance(
    auth_client, other_client, funded_usd_wallet, other_user_wallet, review_over_50_usd
):
    response = send(auth_client, funded_usd_wallet, other_user_wallet, 6_000)

    data = response.json()["data"]
    assert response.status_code == 201
    assert data["status"] == "succeeded"
    assert data["outcome"]["type"] == "manual_review"
    assert data["outcome"]["rules"] == ["review-over-50"]
    assert data["outcome"]["reason"] == "large_for_test"
    assert available_balance(funded_usd_wallet) == 4_000
    assert (available_balance(other_user_wallet), pending_balance(other_user_wallet)) == (0, 6_000)
    balance = other_client.get(f"/v1/wallets/{other_user_wallet.public_id}").json()["data"]["balance"]
    assert balance == {"available": 0, "pending": 6_000, "owed": 0}
    # The recipient's statement (its available account) has no line until the money is released.
    assert not BalanceTransaction.objects.filter(wallet=other_user_wallet).exists()


def test_a_transfer_in_review_opens_a_review_and_tells_both_parties(
    auth_client, user, other_user, funded_usd_wallet, other_user_wallet, review_over_50_usd
):
    transfer_id = send(auth_client, funded_usd_wallet, other_user_wallet, 6_000).json()["data"]["id"]

    review = Review.objects.get(object_type="transfer", object_id=transfer_id)
    assert review.is_open and review.user == user
    assert event_types(user) == ["transfer.created", "review.opened"]
    assert event_types(other_user) == ["transfer.created", "review.opened"]
    opened = Event.objects.get(user=user, type="review.opened").data["object"]
    assert (opened["id"], opened["transfer"], opened["open"]) == (review.public_id, transfer_id, True)


def test_approving_a_transfers_review_releases_the_held_money_to_available(
    auth_client, user, other_user, funded_usd_wallet, other_user_wallet, review_over_50_usd, staff
):
    transfer_id = send(auth_client, funded_usd_wallet, other_user_wallet, 6_000).json()["data"]["id"]

    review_close(review=Review.objects.get(object_id=transfer_id), approve=True, actor=staff)

    assert (available_balance(other_user_wallet), pending_balance(other_user_wallet)) == (6_000, 0)
    assert available_balance(funded_usd_wallet) == 4_000
    line = BalanceTransaction.objects.get(wallet=other_user_wallet)
    assert (line.type, line.amount, line.source, line.balance_after) == ("transfer_in", 6_000, transfer_id, 6_000)
    assert JournalEntry.objects.get(kind="review_release").reference == transfer_id
    transfer = Transfer.objects.get(public_id=transfer_id)
    assert (transfer.status, transfer.funds_held) == ("succeeded", False)
    assert event_types(other_user)[-1] == event_types(user)[-1] == "review.closed"
    assert AuditLogEntry.objects.filter(action="fraud.review.approved", actor=staff).exists()


def test_rejecting_a_transfers_review_returns_the_money_to_the_sender(
    auth_client, user, other_user, funded_usd_wallet, other_user_wallet, review_over_50_usd, staff
):
    transfer_id = send(auth_client, funded_usd_wallet, other_user_wallet, 6_000).json()["data"]["id"]

    review_close(review=Review.objects.get(object_id=transfer_id), approve=False, actor=staff)

    assert available_balance(funded_usd_wallet) == 10_000
    assert (available_balance(other_user_wallet), pending_balance(other_user_wallet)) == (0, 0)
    returned = BalanceTransaction.objects.filter(wallet=funded_usd_wallet).order_by("pk").last()
    assert (returned.type, returned.amount, returned.source, returned.balance_after) == (
        "transfer_in",
        6_000,
        transfer_id,
        10_000,
    )
    assert JournalEntry.objects.get(kind="review_reversal").reference == transfer_id
    assert auth_client.get(f"/v1/transfers/{transfer_id}").json()["data"]["status"] == "reversed"
    assert event_types(other_user)[-1] == "review.closed"
    assert AssessmentRecord.objects.get(object_id=transfer_id).label is True


def test_a_transfers_review_cannot_be_closed_twice(
    auth_client, funded_usd_wallet, other_user_wallet, review_over_50_usd, staff
):
    transfer_id = send(auth_client, funded_usd_wallet, other_user_wallet, 6_000).json()["data"]["id"]
    review = Review.objects.get(object_id=transfer_id)
    review_close(review=review, approve=True, actor=staff)

    with pytest.raises(Exception, match="already closed"):
        review_close(review=Review.objects.get(pk=review.pk), approve=False, actor=staff)

    assert (available_balance(other_user_wallet), available_balance(funded_usd_wallet)) == (6_000, 4_000)


def test_a_refused_transfer_in_review_opens_no_review(
    auth_client, funded_usd_wallet, other_user_wallet, review_over_50_usd
):
    response = send(auth_client, funded_usd_wallet, other_user_wallet, 60_000)  # more than the wallet holds

    assert response.json()["error"]["code"] == "balance_insufficient"
    assert not Review.objects.exists()
    assert not Event.objects.exists()


# --- Manual review of a payout ---------------------------------------------------------


def run_process_payouts() -> None:
    call_command("process_payouts", "--all", stdout=StringIO(), stderr=StringIO())


def test_a_payout_in_review_is_not_paid_until_the_review_is_approved(
    auth_client, user, funded_usd_wallet, review_over_50_usd, staff
):
    data = pay_out(auth_client, funded_usd_wallet, 6_000).json()["data"]
    assert (data["status"], data["outcome"]["type"]) == ("pending", "manual_review")
    assert "review.opened" in event_types(user)

    run_process_payouts()
    assert Payout.objects.get(public_id=data["id"]).status == "pending"

    review_close(review=Review.objects.get(object_id=data["id"]), approve=True, actor=staff)
    run_process_payouts()

    assert Payout.objects.get(public_id=data["id"]).status == "paid"
    assert available_balance(funded_usd_wallet) == 4_000


def test_rejecting_a_payouts_review_fails_it_and_returns_the_money(
    auth_client, user, funded_usd_wallet, review_over_50_usd, staff
):
    payout_id = pay_out(auth_client, funded_usd_wallet, 6_000).json()["data"]["id"]

    review_close(review=Review.objects.get(object_id=payout_id), approve=False, actor=staff)
    run_process_payouts()

    data = auth_client.get(f"/v1/payouts/{payout_id}").json()["data"]
    assert (data["status"], data["failure_code"]) == ("failed", "fraud_review_rejected")
    assert available_balance(funded_usd_wallet) == 10_000
    reversal = BalanceTransaction.objects.get(wallet=funded_usd_wallet, type="payout_reversal")
    assert (reversal.amount, reversal.source, reversal.balance_after) == (6_000, payout_id, 10_000)
    assert event_types(user)[-2:] == ["payout.failed", "review.closed"]


# --- Redis down -------------------------------------------------------------------------


def test_with_redis_down_a_transfer_goes_through_with_velocity_missing(
    auth_client, funded_usd_wallet, other_user_wallet, settings
):
    settings.FRAUD_REDIS_URL = CLOSED_PORT_REDIS_URL
    settings.FRAUD_REDIS_RETRY_AFTER_SECONDS = 0
    reset_clients()
    try:
        response = send(auth_client, funded_usd_wallet, other_user_wallet)
    finally:
        reset_clients()

    assert response.status_code == 201
    assert response.json()["data"]["outcome"]["type"] == "authorized"
    record = AssessmentRecord.objects.get(object_id=response.json()["data"]["id"])
    assert record.features["velocity_missing"] == 1.0


def test_with_redis_down_a_review_records_velocity_among_the_missing_signals(
    auth_client, funded_usd_wallet, other_user_wallet, settings, review_over_50_usd
):
    settings.FRAUD_REDIS_URL = CLOSED_PORT_REDIS_URL
    reset_clients()
    try:
        transfer_id = send(auth_client, funded_usd_wallet, other_user_wallet, 6_000).json()["data"]["id"]
    finally:
        reset_clients()

    assert "velocity" in Review.objects.get(object_id=transfer_id).signals["missing"]
