"""The connector interface: dataclass requests and results, and the `Connector` protocol.

Domain code talks to processors only through this. Every call carries an idempotency key that
the caller derives deterministically (f"{pi_id}:{attempt_number}", f"{pi_id}:capture", ...), so
a repeated call (a retried request after a crash) returns the first result instead of acting twice.

Outcomes of a call, as the orchestrator (`payments.services.intents`) reads them:

- a `ConnectorResult`: the processor answered (succeeded, declined, or a technical `error` it
  reports, such as processing_error: it did not act);
- `ConnectorUnreachable` (or `ConnectionRefusedError`): the request never left; nothing was done;
- anything else (`ConnectorTimeout`, a reset connection, any unexpected exception): the outcome is
  unknown, and only `retrieve(idempotency_key)` on the same connector can tell.
"""

from dataclasses import dataclass
from typing import Protocol

SUCCEEDED = "succeeded"
DECLINED = "declined"
ERROR = "error"
# 3-D Secure: the processor will not authorize before the cardholder authenticates. Not a
# decline and not a technical failure: the intent waits in requires_action (no failover).
REQUIRES_ACTION = "requires_action"

# Technical failures: the payment may be retried on the next connector. Declines never are.
PROCESSING_ERROR = "processing_error"
TIMEOUT = "timeout"
CONNECTOR_UNAVAILABLE = "connector_unavailable"

# The notifications a processor sends about disputes (`payments.notifications` receives them).
DISPUTE_CREATED = "dispute.created"
DISPUTE_CLOSED = "dispute.closed"

# Every call is bounded: a connector takes a `timeout_seconds` option (PAYMENT_CONNECTORS) and
# raises `ConnectorTimeout` when a call outlasts it. Far below gunicorn's worker timeout (30 s).
DEFAULT_TIMEOUT_SECONDS = 10.0


class ConnectorTimeout(TimeoutError):
    """The call outlasted the connector's `timeout_seconds`: the outcome is UNKNOWN (the processor
    may have acted and its answer been lost). Never fail over on it without asking `retrieve`."""


class ConnectorUnreachable(ConnectionError):
    """The request certainly never reached the processor (connection refused, DNS failure before
    sending): nothing was done, failing over is safe."""


@dataclass(frozen=True)
class AuthorizeRequest:
    idempotency_key: str
    vault_token: str
    amount: int
    currency: str
    capture: bool  # True: authorize and capture in one call (capture_method "automatic")
    description: str = ""
    # The completed 3-D Secure session (3ds_…) this authorization carries, if any.
    authentication: str | None = None


@dataclass(frozen=True)
class CaptureRequest:
    idempotency_key: str
    reference: str  # the charge's reference, from the authorization
    amount: int
    currency: str


@dataclass(frozen=True)
class VoidRequest:
    idempotency_key: str
    reference: str


@dataclass(frozen=True)
class RefundRequest:
    idempotency_key: str
    reference: str  # the charge to refund
    amount: int
    currency: str


@dataclass(frozen=True)
class ConnectorResult:
    """What a connector answered. `status` is succeeded, declined (a business decision, with
    `decline_code`) or error (technical, with `error_code`: retry elsewhere)."""

    status: str
    reference: str | None = None
    decline_code: str | None = None
    error_code: str | None = None
    message: str = ""
    amount: int = 0
    latency_ms: int = 0

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED

    @property
    def declined(self) -> bool:
        return self.status == DECLINED

    @property
    def technical_failure(self) -> bool:
        return self.status == ERROR

    @property
    def requires_action(self) -> bool:
        return self.status == REQUIRES_ACTION


@dataclass(frozen=True)
class AuthorizeResponse(ConnectorResult):
    captured: bool = False


class Connector(Protocol):
    name: str

    def authorize(self, request: AuthorizeRequest) -> AuthorizeResponse: ...

    def capture(self, request: CaptureRequest) -> ConnectorResult: ...

    def void(self, request: VoidRequest) -> ConnectorResult: ...

    def refund(self, request: RefundRequest) -> ConnectorResult: ...

    def retrieve(self, idempotency_key: str) -> ConnectorResult | None:
        """The result of the call made with `idempotency_key`, or None if the connector never got it."""
        ...
