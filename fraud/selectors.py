"""Reads of the fraud context: review representations, the review queue, a user's recent activity."""

from __future__ import annotations

from django.db.models import QuerySet

from fraud.models import AssessmentRecord, Review


def _unix(moment) -> int | None:
    return int(moment.timestamp()) if moment else None


def review_representation(review: Review) -> dict:
    """The `review` object carried by the `review.opened` and `review.closed` events (Stripe's shape, generalised)."""
    closed_reason = None if review.is_open else review.status
    return {
        "id": review.public_id,
        "object": "review",
        "open": review.is_open,
        "opened_reason": review.opened_reason,
        "closed_reason": closed_reason,
        "object_type": review.object_type,
        "object_id": review.object_id,
        review.object_type: review.object_id,
        "risk_level": review.risk_level,
        "risk_score": review.risk_score,
        "rules": list(review.rules or []),
        "created": _unix(review.created),
        "closed": _unix(review.closed),
    }


def review_queue() -> QuerySet[Review]:
    """Open reviews, oldest first (the order an operator works through them)."""
    return Review.objects.filter(status=Review.Status.OPEN).select_related("user").order_by("created", "id")


def review_open_for(*, object_type: str, object_id: str) -> Review | None:
    return Review.objects.filter(object_type=object_type, object_id=object_id, status=Review.Status.OPEN).first()


def user_recent_activity(*, user_id: int, limit: int = 20) -> list[AssessmentRecord]:
    """The user's latest recorded assessments, newest first."""
    return list(AssessmentRecord.objects.filter(user_id=user_id).order_by("-created", "-id")[:limit])
