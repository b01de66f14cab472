"""Counting an attempt (velocity, in Redis) and keeping its assessment in the labeled feature log."""

from __future__ import annotations

from django.utils import timezone

from fraud.models import AssessmentRecord
from fraud.pipeline import scoring
from fraud.pipeline.assessment import usd_cents
from fraud.pipeline.context import Assessment, RiskContext
from fraud.pipeline.velocity import velocity_write


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
    """Append the assessment's feature vector and outcome to the feature log.

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
