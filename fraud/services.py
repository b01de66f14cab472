"""Every write of the fraud context, and its public interface.

Callers (wallets, payments) use, in order:

1. `assess(context=RiskContext(...))` -> `Assessment` (no writes).
2. `velocity_record(context=..., declined=...)`: count the attempt (Redis; after the decision).
3. `assessment_record(...)`: keep its feature vector in the labeled log (inside their transaction).
4. For `manual_review`: `review_open(...)` inside their transaction; an operator later calls
   `review_close(...)`, which calls the handler the owning app registered with
   `register_review_handler` to release held funds (approve) or refund (reject).

Events: fraud cannot import webhooks (same layer). `review_open` and `review_close` call
`on_event(event_type, review_object)` when given; otherwise the `on_event(review,
event_type, review_object)` registered for the object type, so reviews closed from the
admin emit `review.closed` too. The caller records it with `webhooks.services.event_record`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.services import audit_log_record
from fraud import scoring
from fraud.assessment import Assessment, RiskContext, assess, forget_rules, usd_cents
from fraud.errors import ReviewAlreadyClosed, ReviewHandlerMissing
from fraud.models import AssessmentRecord, ListEntry, Review, RiskModel, Rule, normalize_list_value
from fraud.selectors import review_representation
from fraud.velocity import velocity_write
from payments_platform.api.errors import Conflict

__all__ = [
    "Assessment",
    "RiskContext",
    "allowlist_add",
    "assess",
    "assessment_label",
    "assessment_record",
    "blocklist_add",
    "list_entry_add",
    "register_review_handler",
    "review_close",
    "review_open",
    "risk_model_activate",
    "risk_model_store",
    "rule_create",
    "velocity_record",
]

logger = structlog.get_logger(__name__)

EventCallback = Callable[[str, dict], None]


# --- Velocity and the feature log --------------------------------------------------------


def velocity_record(*, context: RiskContext, declined: bool = False) -> None:
    """Count this attempt in its user's, card's and IP's velocity windows (atomic in Redis).

    Call it once per attempt after the decision; `declined=True` for an issuer decline or a
    fraud block. With Redis down it logs a warning and returns: counting never fails a payment.
    """
    cents = usd_cents(context.amount, context.currency)
    velocity_write(
        user_id=context.user_id,
        card_fingerprint=context.card_fingerprint,
        ip=context.ip,
        amount_usd_cents=round(cents) if cents is not None else 0,
        declined=declined,
        now=context.timestamp(),
    )


def assessment_record(
    *,
    context: RiskContext,
    assessment: Assessment,
    object_type: str = "",
    object_id: str = "",
    label: bool | None = None,
    label_source: str = "",
) -> AssessmentRecord:
    """Append the assessment's feature vector and outcome to the feature log (one INSERT).

    Call it in the transaction that creates the object, so a rolled-back payment leaves no row.
    """
    signals = assessment.signals
    return AssessmentRecord.objects.create(
        user_id=context.user_id,
        operation=context.operation,
        object_type=object_type,
        object_id=object_id,
        amount=context.amount,
        currency=(context.currency or "").lower(),
        amount_usd=signals.get("amount_usd"),
        outcome_type=assessment.outcome_type,
        risk_level=assessment.risk_level,
        risk_score=assessment.risk_score,
        rules=list(assessment.rules),
        features=scoring.features_from_signals(signals),
        model_version=signals.get("model_version") or "",
        label=label,
        label_source=label_source if label is not None else "",
        labeled=timezone.now() if label is not None else None,
        created=context.moment(),
    )


def assessment_label(*, object_type: str, object_id: str, fraudulent: bool, source: str) -> int:
    """Label the feature-log rows of one object (e.g. a refund with reason `fraudulent`); returns rows labeled."""
    return AssessmentRecord.objects.filter(object_type=object_type, object_id=object_id).update(
        label=fraudulent, label_source=source, labeled=timezone.now()
    )


# --- Lists -------------------------------------------------------------------------------


def list_entry_add(*, kind: str, list_action: str, value: str, reason: str = "", actor=None) -> ListEntry:
    """Put a value on an allow or block list (idempotent: an existing entry is returned), audit-logged."""
    if kind not in ListEntry.Kind.values:
        raise ValueError(f"Unknown list kind {kind!r}; one of {ListEntry.Kind.values}")
    if list_action not in ListEntry.ListAction.values:
        raise ValueError(f"Unknown list action {list_action!r}")
    normalized = normalize_list_value(kind=kind, value=value)
    with transaction.atomic():
        entry, created = ListEntry.objects.get_or_create(
            kind=kind,
            list_action=list_action,
            value=normalized,
            defaults={"reason": reason[:255], "created_by": actor},
        )
        if created:
            audit_log_record(
                action=f"fraud.list_entry.{list_action}",
                actor=actor,
                object_type="list_entry",
                object_id=str(entry.pk),
                details={"kind": kind, "reason": reason[:255]},
            )
    return entry


def blocklist_add(*, list_kind: str, value: str, reason: str = "", actor=None) -> ListEntry:
    """Block a card fingerprint, email, email domain, IP or country (e.g. after a fraudulent refund)."""
    return list_entry_add(
        kind=list_kind, list_action=ListEntry.ListAction.BLOCK, value=value, reason=reason, actor=actor
    )


def allowlist_add(*, list_kind: str, value: str, reason: str = "", actor=None) -> ListEntry:
    return list_entry_add(
        kind=list_kind, list_action=ListEntry.ListAction.ALLOW, value=value, reason=reason, actor=actor
    )


# --- Rules -------------------------------------------------------------------------------


def rule_create(
    *, name: str, expression: str, reason: str = "", position: int = 100, enabled: bool = True, description: str = ""
) -> Rule:
    """Create a rule; raises django ValidationError (with the error's position) if it does not parse."""
    rule = Rule(
        name=name, expression=expression, reason=reason, position=position, enabled=enabled, description=description
    )
    rule.full_clean()
    rule.save()
    forget_rules()
    return rule


# --- Reviews -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewHandler:
    on_approve: Callable[[Review], None]
    on_reject: Callable[[Review], None]
    on_event: Callable[[Review, str, dict], None] | None = None


_review_handlers: dict[str, ReviewHandler] = {}


def register_review_handler(
    object_type: str,
    *,
    on_approve: Callable[[Review], None],
    on_reject: Callable[[Review], None],
    on_event: Callable[[Review, str, dict], None] | None = None,
) -> None:
    """Register what closing a review of `object_type` does (call it from the owning app's AppConfig.ready).

    `on_approve` releases the held funds, `on_reject` refunds; both run inside review_close's
    transaction, with the review locked. `on_event(review, event_type, review_object)`, when
    given, records `review.opened` / `review.closed` for reviews of this type.
    """
    _review_handlers[object_type] = ReviewHandler(on_approve=on_approve, on_reject=on_reject, on_event=on_event)


def _emit(review: Review, event_type: str, on_event: EventCallback | None) -> None:
    data = review_representation(review)
    if on_event is not None:
        on_event(event_type, data)
        return
    handler = _review_handlers.get(review.object_type)
    if handler is not None and handler.on_event is not None:
        handler.on_event(review, event_type, data)


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
    on_event: EventCallback | None = None,
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
        _emit(review, "review.opened", on_event)
    logger.info("fraud_review_opened", review_id=review.public_id, object_type=object_type, object_id=object_id)
    return review


def review_close(
    *,
    review: Review,
    approve: bool,
    actor,
    request_id: str = "",
    ip: str | None = None,
    on_event: EventCallback | None = None,
) -> Review:
    """Approve or reject an open review, exactly once.

    Locks the review, marks it approved or rejected, calls the registered handler (approve:
    release the held funds; reject: refund), and on reject blocks the card it was opened
    for. Labels the object's feature-log rows, writes the audit log and emits `review.closed`,
    all in one transaction. What the handlers write carries the operator's `request_id`
    (`closing_request_id`); the audit record its `ip` too. Raises ReviewAlreadyClosed (409) for a closed review and
    ReviewHandlerMissing when no app registered a handler for its object type.
    """
    handler = _review_handlers.get(review.object_type)
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
        (handler.on_approve if approve else handler.on_reject)(locked)
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
        _emit(locked, "review.closed", on_event)
    logger.info("fraud_review_closed", review_id=locked.public_id, status=locked.status)
    review.status, review.closed, review.closed_by = locked.status, locked.closed, locked.closed_by
    return locked


# --- Risk models -------------------------------------------------------------------------


def risk_model_store(
    *, version: str, parameters: dict, metrics: dict, trained_on: int, activate: bool = True
) -> RiskModel:
    """Store a trained model as JSON; with `activate`, it becomes the only active model."""
    missing = {"features", "means", "scales", "coefficients", "intercept"} - set(parameters)
    if missing:
        raise ValidationError(f"Model parameters lack {sorted(missing)}")
    with transaction.atomic():
        if activate:
            RiskModel.objects.filter(active=True).update(active=False)
        model = RiskModel.objects.create(
            version=version, parameters=parameters, metrics=metrics, trained_on=trained_on, active=activate
        )
    scoring.forget_active_model()
    return model


def risk_model_activate(*, model: RiskModel, actor=None) -> RiskModel:
    """Make `model` the active one (e.g. to roll back), audit-logged."""
    with transaction.atomic():
        RiskModel.objects.filter(active=True).exclude(pk=model.pk).update(active=False)
        RiskModel.objects.filter(pk=model.pk).update(active=True)
        audit_log_record(
            action="fraud.risk_model.activated", actor=actor, object_type="risk_model", object_id=model.version
        )
    model.active = True
    scoring.forget_active_model()
    return model
