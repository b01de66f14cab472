"""Reads of the fraud context: review representations, the review queue, a user's recent activity."""

from __future__ import annotations

from django.db.models import QuerySet

from fraud.models import AssessmentRecord, Review
from fraud.pipeline.scoring import features_from_signals, risk_model_active


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


# --- Why a review was opened, in words (the review page) ---------------------------------------

FEATURE_WORDS = {
    "log_amount_usd": "the amount ({amount_usd} USD)",
    "log_account_age_days": "the account's age ({account_age_days} days)",
    "new_account": "a new account ({account_age_days} days old)",
    "new_account_large_amount": "a large amount on a new account",
    "operation_payment": "a card payment",
    "operation_transfer": "a transfer",
    "operation_payout": "a payout",
    "log_user_attempts_1m": "{user_attempts_1m} attempts by the user in the last minute",
    "log_user_attempts_1h": "{user_attempts_1h} attempts by the user in the last hour",
    "log_user_attempts_24h": "{user_attempts_24h} attempts by the user in 24 hours",
    "log_user_amount_usd_24h": "{user_amount_usd_24h} USD moved by the user in 24 hours",
    "log_card_attempts_1h": "{card_attempts_1h} attempts on the card in the last hour",
    "log_card_attempts_24h": "{card_attempts_24h} attempts on the card in 24 hours",
    "log_ip_attempts_1h": "{ip_attempts_1h} attempts from the IP in the last hour",
    "log_user_declines_24h": "{user_declines_24h} declines for the user in 24 hours",
    "log_card_declines_24h": "{card_declines_24h} declines on the card in 24 hours",
    "log_user_distinct_cards_24h": "{user_distinct_cards_24h} different cards used by the user in 24 hours",
    "log_card_distinct_users_24h": "the card used by {card_distinct_users_24h} users in 24 hours",
    "amount_zscore": "an amount unusual for this user",
    "amount_over_user_max": "more than the user's largest amount so far",
    "no_user_history": "no earlier activity by the user",
    "card_ip_country_mismatch": "card country ({card_country}) differs from the IP's country ({ip_country})",
    "disposable_email": "a disposable email domain ({email_domain})",
    "has_card": "a card was used",
    "has_ip": "the client IP is known",
    "velocity_missing": "velocity counters were unavailable",
}


class _Blank(dict):
    def __missing__(self, key):
        return "?"


def risk_factors(signals: dict, *, limit: int = 5) -> list[tuple[str, float]]:
    """The signals that raised the score most, in words, with how much each added to the model's
    log-odds (the active risk model, or the built-in one), largest first; then any check's score
    floor and the matched rules are listed by the page itself. Features that lowered the score are left out."""
    model = risk_model_active()
    features = features_from_signals(signals or {})
    contributions = []
    for name, mean, scale, weight in zip(
        model["features"], model["means"], model["scales"], model["coefficients"], strict=True
    ):
        added = weight * (features.get(name, 0.0) - mean) / (scale or 1.0)
        if added > 0.05:
            words = FEATURE_WORDS.get(name, name.replace("_", " ")).format_map(_Blank(signals or {}))
            contributions.append((words, round(added, 2)))
    contributions.sort(key=lambda pair: -pair[1])
    return contributions[:limit]
