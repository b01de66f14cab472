"""What an assessment is given (`RiskContext`) and what it answers (`Assessment`): a leaf module."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.utils import timezone

OPERATIONS = ("payment", "transfer", "payout")


class OutcomeType(StrEnum):
    """The contract's `outcome.type`: what screening decided."""

    AUTHORIZED = "authorized"
    MANUAL_REVIEW = "manual_review"
    BLOCKED = "blocked"


class RiskLevel(StrEnum):
    """The contract's `outcome.risk_level`."""

    NORMAL = "normal"
    ELEVATED = "elevated"
    HIGHEST = "highest"


@dataclass(frozen=True)
class RiskContext:
    """Everything the caller knows about one attempt to move money. Amounts in minor units."""

    operation: str  # "payment" | "transfer" | "payout"
    user_id: int  # pk of accounts.User
    account_created: datetime  # user signup time (account age)
    email: str
    amount: int
    currency: str
    ip: str | None = None
    card_fingerprint: str | None = None
    card_brand: str | None = None
    card_country: str | None = None
    card_bin: str | None = None  # first six digits; with card_last4, recognises the contract's test cards
    card_last4: str | None = None
    destination_fingerprint: str | None = None  # payouts/transfers: a hash of the destination
    occurred_at: datetime | None = None  # default now; the traffic simulator sets it

    def moment(self) -> datetime:
        return self.occurred_at or timezone.now()

    def timestamp(self) -> float:
        return self.moment().timestamp() if self.occurred_at else time.time()


@dataclass(frozen=True)
class Assessment:
    outcome_type: str  # an OutcomeType
    risk_level: str  # a RiskLevel
    risk_score: int  # 0..99
    rules: list[str]  # names of the matched rules
    reason: str | None
    signals: dict  # what fed the score; signals["missing"] names what was unavailable

    def as_outcome(self) -> dict:
        """The contract's `outcome` object."""
        return {
            "type": self.outcome_type,
            "risk_level": self.risk_level,
            "risk_score": self.risk_score,
            "rules": list(self.rules),
            "reason": self.reason,
        }

    @property
    def blocked(self) -> bool:
        return self.outcome_type == OutcomeType.BLOCKED

    @property
    def needs_review(self) -> bool:
        return self.outcome_type == OutcomeType.MANUAL_REVIEW
