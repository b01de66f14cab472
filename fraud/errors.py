"""Errors of the fraud context, with their stable API codes.

The callers raise the first two when an assessment's outcome is `blocked`; fraud itself
never fails a request.
"""

from payments_platform.api.errors import CardError, Conflict, InvalidRequest


class BlockedByFraudScreening(InvalidRequest):
    """A transfer or payout blocked by fraud screening (400); no money moved."""

    code = "blocked_by_fraud_screening"
    default_message = "This operation was blocked by fraud screening."


class CardBlockedAsFraudulent(CardError):
    """A payment blocked by fraud screening: 402 card_error, decline_code fraudulent."""

    code = "card_declined"
    default_message = "The card was declined."

    def __init__(self, message: str | None = None, **kwargs):
        extra = {"decline_code": "fraudulent", **kwargs.pop("extra", {})}
        super().__init__(message, extra=extra, **kwargs)


class ReviewAlreadyClosed(Conflict):
    code = "review_closed"
    default_message = "This review is already closed."


class ReviewHandlerMissing(RuntimeError):
    """No app registered a handler for a review's object type: closing it could not release or refund."""
