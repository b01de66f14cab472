"""Reviews: opened in the caller's transaction, closed once through the registered handler."""

import pytest
from django.db import transaction

from accounts.models import AuditLogEntry
from fraud.errors import ReviewAlreadyClosed, ReviewHandlerMissing
from fraud.models import AssessmentRecord, ListEntry, Review
from fraud.services import assess, assessment_record, register_review_handler, review_close, review_open
from fraud.services.reviews import REVIEW_HANDLERS
from payments_platform.api.errors import Conflict
from payments_platform.tests.support import run_in_threads


@pytest.fixture
def elevated(make_context):
    context = make_context(card_bin="400000", card_last4="9235", card_fingerprint="fp_review")
    return context, assess(context=context)


def open_review(user, assessment, object_id="pi_1", **kwargs) -> Review:
    with transaction.atomic():
        return review_open(
            user=user, object_type="payment_intent", object_id=object_id, assessment=assessment, **kwargs
        )


@pytest.mark.django_db
def test_opening_a_review_stores_the_assessment_and_emits_review_opened(user, elevated, payment_handler):
    _context, assessment = elevated
    events = payment_handler.events
    review = open_review(user, assessment)
    assert review.public_id.startswith("rev_")
    assert (review.risk_level, review.risk_score, review.rules) == ("elevated", 70, ["review-elevated-risk"])
    assert review.signals["card_fingerprint"] == "fp_review"
    assert events == [("review.opened", events[0][1])]
    assert events[0][1]["id"] == review.public_id and events[0][1]["open"] is True
    assert events[0][1]["payment_intent"] == "pi_1"


@pytest.mark.django_db
def test_review_events_reach_the_registered_recorder_with_the_acting_request_id(
    user, other_user, elevated, payment_handler
):
    seen = []
    register_review_handler(
        "payment_intent",
        on_approve=payment_handler.on_approve,
        on_reject=payment_handler.on_reject,
        on_event=lambda *, review, event_type, data: seen.append((event_type, data["id"], review.acting_request_id)),
    )
    review = open_review(user, elevated[1], request_id="req_open")
    review_close(review=review, approve=True, actor=other_user, request_id="req_close")
    assert seen == [("review.opened", review.public_id, "req_open"), ("review.closed", review.public_id, "req_close")]


@pytest.mark.django_db
def test_a_rolled_back_caller_leaves_no_review(user, elevated):
    with pytest.raises(RuntimeError), transaction.atomic():
        review_open(user=user, object_type="payment_intent", object_id="pi_1", assessment=elevated[1])
        raise RuntimeError("the payment failed")
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_an_object_has_at_most_one_open_review(user, elevated):
    open_review(user, elevated[1])
    with pytest.raises(Conflict) as raised:
        open_review(user, elevated[1])
    assert raised.value.code == "review_exists"


@pytest.mark.django_db
def test_approving_calls_the_release_handler_and_records_everything(user, other_user, elevated, payment_handler):
    context, assessment = elevated
    with transaction.atomic():
        assessment_record(context=context, assessment=assessment, object_type="payment_intent", object_id="pi_1")
    review = open_review(user, assessment)
    closed = review_close(review=review, approve=True, actor=other_user, request_id="req-1")
    assert closed.status == Review.Status.APPROVED and closed.closed is not None
    assert payment_handler.approved == ["pi_1"] and payment_handler.rejected == []
    assert payment_handler.events[-1][0] == "review.closed"
    assert payment_handler.events[-1][1]["closed_reason"] == "approved"
    entry = AuditLogEntry.objects.get(action="fraud.review.approved")
    assert (entry.actor, entry.object_id, entry.request_id) == (other_user, review.public_id, "req-1")
    assert AssessmentRecord.objects.get().label is False
    assert not ListEntry.objects.exists()


@pytest.mark.django_db
def test_rejecting_calls_the_refund_handler_blocks_the_card_and_labels_fraud(
    user, other_user, elevated, payment_handler
):
    context, assessment = elevated
    with transaction.atomic():
        assessment_record(context=context, assessment=assessment, object_type="payment_intent", object_id="pi_1")
    review = open_review(user, assessment)
    review_close(review=review, approve=False, actor=other_user)
    assert payment_handler.rejected == ["pi_1"]
    assert ListEntry.objects.filter(kind="card_fingerprint", list_action="block", value="fp_review").exists()
    assert AssessmentRecord.objects.get().label_source == "review_rejected"
    assert AuditLogEntry.objects.filter(action="fraud.review.rejected", object_id=review.public_id).exists()
    assert assess(context=context).rules == ["block-blocklisted-card"]


@pytest.mark.django_db
def test_a_closed_review_cannot_be_closed_again(user, other_user, elevated, payment_handler):
    review = open_review(user, elevated[1])
    review_close(review=review, approve=True, actor=other_user)
    with pytest.raises(ReviewAlreadyClosed):
        review_close(review=review, approve=False, actor=other_user)
    assert payment_handler.rejected == []


@pytest.mark.django_db
def test_closing_without_a_registered_handler_is_refused_and_leaves_it_open(user, other_user, elevated):
    REVIEW_HANDLERS.pop("payment_intent", None)  # payments registers one at startup (restored after the test)
    review = open_review(user, elevated[1])
    with pytest.raises(ReviewHandlerMissing):
        review_close(review=review, approve=True, actor=other_user)
    review.refresh_from_db()
    assert review.is_open


@pytest.mark.django_db
def test_a_failing_handler_rolls_the_close_back(user, other_user, elevated, payment_handler):
    review = open_review(user, elevated[1])

    def fail(*, review):
        raise RuntimeError("refund failed")

    payment_handler_registration = {"on_approve": payment_handler.on_approve, "on_reject": fail}

    register_review_handler("payment_intent", **payment_handler_registration)
    with pytest.raises(RuntimeError):
        review_close(review=review, approve=False, actor=other_user)
    review.refresh_from_db()
    assert review.is_open
    assert not ListEntry.objects.exists()
    assert not AuditLogEntry.objects.filter(action__startswith="fraud.review").exists()


@pytest.mark.django_db(transaction=True)
def test_two_operators_closing_at_once_close_it_exactly_once(user, other_user, elevated, payment_handler):
    review = open_review(user, elevated[1])
    outcomes = []

    def close(index: int):
        try:
            review_close(review=Review.objects.get(pk=review.pk), approve=index == 0, actor=other_user)
            outcomes.append("closed")
        except ReviewAlreadyClosed:
            outcomes.append("already closed")

    run_in_threads(2, close)
    assert sorted(outcomes) == ["already closed", "closed"]
    assert len(payment_handler.approved) + len(payment_handler.rejected) == 1
