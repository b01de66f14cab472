"""Reviews: opened in the caller's transaction, closed once by an operator through the owning app's handler.

Events: fraud cannot import webhooks (same layer), so every `review.opened` and `review.closed`
goes through one mechanism: the `on_event(review=, event_type=, data=)` that the owning app
registered for the object type. The event carries `review.acting_request_id`: the opening
request's id when it opens, the closing operator's when it closes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.api import audit_log_record
from fraud.errors import ReviewAlreadyClosed, ReviewHandlerMissing
from fraud.models import ListEntry, Review
from fraud.pipeline.context import Assessment
from fraud.selectors import review_representation
from fraud.services.lists import blocklist_add
from fraud.services.records import assessment_label
from payments_platform.api.errors import Conflict

logger = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ReviewHandler:
    on_approve: Callable[..., None]  # on_approve(*, review)
    on_reject: Callable[..., None]  # on_reject(*, review)
    on_event: Callable[..., None] | None = None  # on_event(*, review, event_type, data)


# What closing a review does, per object type; filled by the apps' AppConfig.ready().
REVIEW_HANDLERS: dict[str, ReviewHandler] = {}


def register_review_handler(
    object_type: str,
    *,
    on_approve: Callable[..., None],
    on_reject: Callable[..., None],
    on_event: Callable[..., None] | None = None,
) -> None:
    """Register what closing a review of `object_type` does (call it from the owning app's AppConfig.ready).

    `on_approve(review=)` releases the held funds, `on_reject(review=)` refunds; both run inside
    review_close's transaction, with the review locked. `on_event(review=, event_type=, data=)`,
    when given, records `review.opened` / `review.closed` for reviews of this type, with the
    request id `review.acting_request_id`.
    """
    REVIEW_HANDLERS[object_type] = ReviewHandler(on_approve=on_approve, on_reject=on_reject, on_event=on_event)


def _emit(review: Review, event_type: str) -> None:
    handler = REVIEW_HANDLERS.get(review.object_type)
    if handler is not None and handler.on_event is not None:
        handler.on_event(review=review, event_type=event_type, data=review_representation(review))


def _json_safe(value):
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def review_open(
    *,
    user,
    object_type: str,
    object_id: str,
    assessment: Assessment,
    request_id: str = "",
) -> Review:
    """Open a review (`rev_…`) of an object, inside the caller's transaction, and emit `review.opened`.

    At most one open review per object: a second raises Conflict (`review_exists`).
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    user=user,
                    object_type=object_type,
                    object_id=object_id,
                    opened_reason=assessment.reason or "rule",
                    risk_score=assessment.risk_score,
                    risk_level=assessment.risk_level,
                    rules=list(assessment.rules),
                    signals=_json_safe(assessment.signals),
                    request_id=request_id or "",
                )
        except IntegrityError:
            raise Conflict("This object already has an open review.", code="review_exists") from None
        _emit(review, "review.opened")
    logger.info("fraud_review_opened", review_id=review.public_id, object_type=object_type, object_id=object_id)
    return review


def review_close(
    *,
    review: Review,
    approve: bool,
    actor,
    request_id: str = "",
    ip: str | None = None,
) -> Review:
    """Approve or reject an open review, exactly once.

    Locks the review, marks it approved or rejected, calls the registered handler (approve:
    release the held funds; reject: refund), and on reject blocks the card it was opened
    for. Labels the object's feature-log rows, writes the audit log and emits `review.closed`,
    all in one transaction. What the handlers write carries the operator's `request_id`
    (`closing_request_id`); the audit record its `ip` too. Raises ReviewAlreadyClosed (409) for a closed review and
    ReviewHandlerMissing when no app registered a handler for its object type.
    """
    handler = REVIEW_HANDLERS.get(review.object_type)
    if handler is None:
        raise ReviewHandlerMissing(f"No review handler registered for {review.object_type!r}")
    with transaction.atomic():
        locked = Review.objects.select_for_update().select_related("user").get(pk=review.pk)
        if not locked.is_open:
            raise ReviewAlreadyClosed()
        locked.status = Review.Status.APPROVED if approve else Review.Status.REJECTED
        locked.closed = timezone.now()
        locked.closed_by = actor
        locked.save(update_fields=["status", "closed", "closed_by"])
        locked.closing_request_id = request_id or ""  # the handlers' entries carry the operator's request
        (handler.on_approve if approve else handler.on_reject)(review=locked)
        fingerprint = (locked.signals or {}).get("card_fingerprint")
        if not approve and fingerprint:
            blocklist_add(
                list_kind=ListEntry.Kind.CARD_FINGERPRINT,
                value=fingerprint,
                reason=f"review {locked.public_id} rejected",
                actor=actor,
            )
        assessment_label(
            object_type=locked.object_type,
            object_id=locked.object_id,
            fraudulent=not approve,
            source="review_approved" if approve else "review_rejected",
        )
        audit_log_record(
            action="fraud.review.approved" if approve else "fraud.review.rejected",
            actor=actor,
            object_type="review",
            object_id=locked.public_id,
            request_id=request_id,
            ip=ip,
            details={"object_type": locked.object_type, "object_id": locked.object_id},
        )
        _emit(locked, "review.closed")
    logger.info("fraud_review_closed", review_id=locked.public_id, status=locked.status)
    review.status, review.closed, review.closed_by = locked.status, locked.closed, locked.closed_by
    return locked
