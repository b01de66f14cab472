"""Fraud screening of transfers and payouts: the risk context, the decision, and review events."""

import hashlib
import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import structlog
from django.conf import settings

from fraud.api import Assessment, BlockedByFraudScreening, RiskContext, assess, velocity_record

logger = structlog.get_logger(__name__)


def destination_fingerprint(*, routing_number: str, account_number: str) -> str:
    """A keyed hash (HMAC-SHA256, key derived from SECRET_KEY or PAYOUT_DESTINATION_FINGERPRINT_KEY)
    of a bank destination: equal for equal accounts, useless without the key. Fraud sees only this."""
    key = getattr(settings, "PAYOUT_DESTINATION_FINGERPRINT_KEY", "") or f"payout-destination:{settings.SECRET_KEY}"
    message = f"{routing_number}:{account_number}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:32]


def risk_context_build(
    *,
    operation: str,
    user,
    amount: int,
    currency: str,
    ip: str | None,
    destination: str | None = None,
    occurred_at: datetime | None = None,
) -> RiskContext:
    """What fraud assesses a transfer or payout by: the user, the amount, the client IP and, for a
    payout, the destination's fingerprint; `occurred_at` is the traffic simulator's clock."""
    return RiskContext(
        operation=operation,
        user_id=user.pk,
        account_created=user.created,
        email=user.email,
        amount=amount,
        currency=currency,
        ip=ip,
        destination_fingerprint=destination,
        occurred_at=occurred_at,
    )


def attempt_screen(*, context: RiskContext) -> Assessment:
    """Assess the attempt (no writes). Blocked: count it as declined and raise
    `BlockedByFraudScreening` (400), carrying `context` and `assessment` for in-process callers
    such as the traffic simulator; nothing is written to the database."""
    assessment = assess(context=context)
    if assessment.blocked:
        velocity_record(context=context, declined=True)
        logger.warning(
            "fraud_blocked",
            operation=context.operation,
            user_id=context.user_id,
            risk_score=assessment.risk_score,
            rules=assessment.rules,
        )
        error = BlockedByFraudScreening()
        error.context, error.assessment = context, assessment
        raise error
    return assessment


@contextmanager
def attempt_counted(*, context: RiskContext) -> Iterator[None]:
    """Count the attempt in fraud's velocity windows once it is decided: declined when the block
    raises (the error goes on), accepted when it completes."""
    try:
        yield
    except Exception:
        velocity_record(context=context, declined=True)
        raise
    velocity_record(context=context, declined=False)
