"""The payments models: payment methods, intents, attempts, refunds, 3-D Secure sessions, settlement
and the simulator's tables (`intents`); disputes and processor notifications (`disputes`)."""

from payments.models.disputes import (
    EVIDENCE_FIELDS,
    EVIDENCE_MAX_CHARACTERS,
    ConnectorNotification,
    Dispute,
    SimulatorNotification,
)
from payments.models.intents import (
    PaymentAttempt,
    PaymentIntent,
    PaymentMethod,
    Refund,
    SettlementRecord,
    SimulatorOperation,
    SimulatorVaultCard,
    ThreeDSecureSession,
)

__all__ = [
    "EVIDENCE_FIELDS",
    "EVIDENCE_MAX_CHARACTERS",
    "ConnectorNotification",
    "Dispute",
    "PaymentAttempt",
    "PaymentIntent",
    "PaymentMethod",
    "Refund",
    "SettlementRecord",
    "SimulatorNotification",
    "SimulatorOperation",
    "SimulatorVaultCard",
    "ThreeDSecureSession",
]
