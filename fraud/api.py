"""What other apps may import from fraud: its public surface (docs/architecture.md)."""

from fraud.errors import BlockedByFraudScreening, CardBlockedAsFraudulent
from fraud.models import ListEntry, Review
from fraud.sandbox.traffic import SimulatedAttempt, assess_only_runner, register_runner
from fraud.services import (
    Assessment,
    OutcomeType,
    RiskContext,
    RiskLevel,
    assess,
    assessment_label,
    assessment_record,
    blocklist_add,
    register_review_handler,
    review_close,
    review_open,
    velocity_record,
)

__all__ = [
    "Assessment",
    "BlockedByFraudScreening",
    "CardBlockedAsFraudulent",
    "ListEntry",
    "OutcomeType",
    "Review",
    "RiskContext",
    "RiskLevel",
    "SimulatedAttempt",
    "assess",
    "assess_only_runner",
    "assessment_label",
    "assessment_record",
    "blocklist_add",
    "register_review_handler",
    "register_runner",
    "review_close",
    "review_open",
    "velocity_record",
]
