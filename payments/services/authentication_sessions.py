"""Opening a 3-D Secure session: the processor asked the cardholder to authenticate.

Kept apart from `payments.services.authentication` (the page: completed, failed, expired) so that
`attempts.payment_attempt_finish` can open one without importing the page's flow, which continues the
payment through `attempts`.
"""

from datetime import timedelta

import structlog
from django.utils import timezone

from payments import three_d_secure
from payments.models import PaymentAttempt, PaymentIntent, ThreeDSecureSession
from payments.services.intent_state import intent_event_record, intent_save
from payments_platform.api.ids import new_public_id

logger = structlog.get_logger(__name__)

Status = PaymentIntent.Status
Session = ThreeDSecureSession


def authentication_require(*, intent: PaymentIntent, attempt: PaymentAttempt, request_id: str = "") -> Session:
    """Open the 3-D Secure page for `attempt` (which the processor answered `requires_action`) and
    put the intent in `requires_action`, with `payment_intent.requires_action`. Must run in the
    caller's transaction, holding the intent's lock (`payment_attempt_finish`)."""
    public_id = new_public_id("3ds")
    now = timezone.now()
    session = Session.objects.create(
        public_id=public_id,
        intent=intent,
        attempt=attempt,
        token_hash=three_d_secure.token_hash(three_d_secure.page_token(public_id)),
        return_url=intent.return_url,
        expires_at=now + timedelta(seconds=three_d_secure.LIFETIME_SECONDS),
        created=now,
        updated=now,
    )
    intent.status = Status.REQUIRES_ACTION
    intent_save(intent, "status")
    intent_event_record(
        intent=intent, event_type="payment_intent.requires_action", request_id=request_id, counted=False
    )
    logger.info("three_d_secure_required", payment_intent=intent.public_id, session=public_id)
    return session
