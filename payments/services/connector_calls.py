"""Calls to the connectors for payment intents: authorize, capture, void, and what an unknown
outcome means.

Every call carries an idempotency key from `connector_idempotency_key`, the one place such keys
are built: a repeated call (a retried request, `sync_payment_attempts`) reaches the connector with
the same key and gets its first answer, never a second effect.
"""

import structlog

from payments.connectors import connector_get
from payments.connectors.base import (
    CONNECTOR_UNAVAILABLE,
    ERROR,
    TIMEOUT,
    AuthorizeRequest,
    AuthorizeResponse,
    CaptureRequest,
    ConnectorResult,
    ConnectorUnreachable,
    VoidRequest,
)
from payments.models import PaymentAttempt, PaymentIntent

logger = structlog.get_logger(__name__)

AUTHORIZE = "authorize"
CAPTURE = "capture"
VOID = "void"
REFUND = "refund"


def connector_idempotency_key(*, intent_public_id: str, operation: str, number: int | None = None) -> str:
    """The connector's idempotency key for `operation` on an intent: f"{pi}:{n}" for its n-th
    authorization attempt, f"{pi}:refund:{n}" for its n-th refund, f"{pi}:capture", f"{pi}:void"."""
    if operation == AUTHORIZE:
        return f"{intent_public_id}:{number}"
    if operation == REFUND:
        return f"{intent_public_id}:{REFUND}:{number}"
    if operation in (CAPTURE, VOID):
        return f"{intent_public_id}:{operation}"
    raise ValueError(f"No connector idempotency key for {operation!r}.")


def connector_call(name: str, operation: str, request, *, result_class=ConnectorResult) -> ConnectorResult | None:
    """Call `operation` on connector `name` and tell what certainly happened.

    - The connector answered: its result (a technical `error` result, such as processing_error,
      means it did not act).
    - The request certainly never reached it (`ConnectorUnreachable`, connection refused, an
      unknown connector): an `error` result `connector_unavailable`; failing over is safe.
    - Anything else (a timeout, a reset connection, any unexpected exception) is an UNKNOWN
      outcome: the processor may have acted. The SAME connector is asked
      `retrieve(idempotency_key)`: what it did is the result; if it certainly has no record, an
      `error` result (`timeout` or `connector_error`); if it cannot answer either, None: the
      caller must leave its pending record for `sync_payment_attempts` and call no other connector.
    """
    try:
        connector = connector_get(name)
    except KeyError:  # no longer configured: nothing can have been sent
        logger.error("connector_not_configured", connector=name, operation=operation)
        return result_class(status=ERROR, error_code=CONNECTOR_UNAVAILABLE)
    try:
        return getattr(connector, operation)(request)
    except (ConnectorUnreachable, ConnectionRefusedError):
        logger.warning("connector_unreachable", connector=name, operation=operation, key=request.idempotency_key)
        return result_class(status=ERROR, error_code=CONNECTOR_UNAVAILABLE)
    except Exception as error:  # unknown outcome: ask the same connector what it did
        unknown_code = TIMEOUT if isinstance(error, TimeoutError) else "connector_error"
        logger.exception("connector_outcome_unknown", connector=name, operation=operation, key=request.idempotency_key)
    try:
        found = connector.retrieve(request.idempotency_key)
    except Exception:
        logger.exception("connector_retrieve_failed", connector=name, key=request.idempotency_key)
        return None
    if found is None:  # it never got the call: nothing was done
        return result_class(status=ERROR, error_code=unknown_code)
    logger.info("connector_outcome_retrieved", connector=name, key=request.idempotency_key, status=found.status)
    return found


def authorize_call(
    *, attempt: PaymentAttempt, intent: PaymentIntent, vault_token: str, authentication: str | None = None
) -> AuthorizeResponse | None:
    """The connector's answer to the attempt; None when its outcome is unknown (`connector_call`)."""
    request = AuthorizeRequest(
        idempotency_key=attempt.idempotency_key,
        vault_token=vault_token,
        amount=intent.amount,
        currency=intent.currency,
        capture=intent.capture_method == PaymentIntent.CaptureMethod.AUTOMATIC,
        description=intent.description,
        authentication=authentication,
    )
    return connector_call(attempt.connector, AUTHORIZE, request, result_class=AuthorizeResponse)


def capture_call(*, intent: PaymentIntent, amount: int) -> ConnectorResult | None:
    """The connector's answer to the capture; None when its outcome is unknown (`connector_call`)."""
    request = CaptureRequest(
        idempotency_key=connector_idempotency_key(intent_public_id=intent.public_id, operation=CAPTURE),
        reference=intent.connector_reference,
        amount=amount,
        currency=intent.currency,
    )
    return connector_call(intent.connector, CAPTURE, request)


def void_call(*, intent: PaymentIntent) -> ConnectorResult | None:
    """The connector's answer to the void; None when its outcome is unknown (`connector_call`)."""
    request = VoidRequest(
        idempotency_key=connector_idempotency_key(intent_public_id=intent.public_id, operation=VOID),
        reference=intent.connector_reference,
    )
    return connector_call(intent.connector, VOID, request)
