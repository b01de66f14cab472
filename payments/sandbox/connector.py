"""The simulator connector: a pretend card processor implementing the contract's test cards.

It stands for an external system: its vault and its ledger of calls (`SimulatorVaultCard`,
`SimulatorOperation`) are its own tables, and it answers a repeated idempotency key with the
first result, as a real processor does. It never sees or keeps a card number, only the vault
token and the behaviour the test card was given at tokenization.

Options (PAYMENT_CONNECTORS[name]["options"]): `latency_ms` (sleep per call), `technical_failures`
(behaviours that fail here with a processing error: "processing_error" on simulator_a only, so
4000000000000119 fails over), `available` (False: every call fails with connector_unavailable),
`fee_percent` / `fee_fixed` / `refund_fee` (its settlement fees), `timeout_seconds` (the call's
deadline, default 10: when `latency_ms` exceeds it, the simulated processor still acts, but its
answer comes too late: the call waits `timeout_seconds`, records the operation and raises
`ConnectorTimeout`, an unknown outcome that `retrieve` resolves).
"""

import secrets
import time
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction

from payments.connectors.base import (
    CONNECTOR_UNAVAILABLE,
    DECLINED,
    DEFAULT_TIMEOUT_SECONDS,
    ERROR,
    PROCESSING_ERROR,
    REQUIRES_ACTION,
    SUCCEEDED,
    AuthorizeRequest,
    AuthorizeResponse,
    CaptureRequest,
    ConnectorResult,
    ConnectorTimeout,
    ConnectorUnreachable,
    RefundRequest,
    VoidRequest,
)
from payments.models import SimulatorOperation, SimulatorVaultCard, ThreeDSecureSession
from payments.sandbox import disputes as simulator_disputes

# The contract's test cards -> behaviour. Any other valid number succeeds.
TEST_CARDS = {
    "4242424242424242": "succeed",
    "5555555555554444": "succeed",
    "4000000000000002": "generic_decline",
    "4000000000009995": "insufficient_funds",
    "4000000000000069": "expired_card",
    "4000000000000127": "incorrect_cvc",
    "4000000000000119": "processing_error",
    # Fraud screening blocks / reviews these before they reach a connector (fraud app); here they succeed.
    "4100000000000019": "fraud_highest",
    "4000000000009235": "fraud_elevated",
    # Succeed, then the processor reports a dispute or an inquiry (sandbox/disputes.py).
    **simulator_disputes.DISPUTE_TEST_CARDS,
    # 3-D Secure (payments.services.authentication): authorize answers requires_action until the
    # authorization carries a completed session; then the first two succeed, the third declines.
    "4000002760003184": "3ds_required",
    "4000000000003220": "3ds_required",
    "4000008400001629": "3ds_declined",
}
THREE_D_SECURE = {"3ds_required", "3ds_declined"}
DECLINES = {"generic_decline", "insufficient_funds", "expired_card", "incorrect_cvc"}
DECLINE_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "card_declined": "Your card was declined.",
}
COUNTRIES = {"jcb": "JP", "unionpay": "CN"}


@dataclass(frozen=True)
class VaultCard:
    token: str
    country: str


def vault_tokenize(*, number: str, brand: str) -> VaultCard:
    """Store the card's behaviour under a fresh token (tok_sim_…) and return it with the issuing country.

    The number is read here to pick the behaviour and last4, then dropped: only the token,
    behaviour, brand, country and last4 are written.
    """
    behaviour = TEST_CARDS.get(number, "succeed")
    country = COUNTRIES.get(brand, "US")
    token = "tok_sim_" + secrets.token_urlsafe(18)
    SimulatorVaultCard.objects.create(token=token, behaviour=behaviour, brand=brand, country=country, last4=number[-4:])
    return VaultCard(token=token, country=country)


def _percent_fee(amount: int, percent: str, fixed: int) -> int:
    fee = (Decimal(amount) * Decimal(percent) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP) + fixed
    return min(int(fee), amount)


class SimulatorConnector:
    def __init__(
        self,
        *,
        name: str,
        latency_ms: int = 0,
        technical_failures: tuple = (),
        available: bool = True,
        fee_percent: str = "0.5",
        fee_fixed: int = 10,
        refund_fee: int = 0,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ):
        self.name = name
        self.latency_ms = latency_ms
        self.technical_failures = frozenset(technical_failures)
        self.available = available
        self.fee_percent = fee_percent
        self.fee_fixed = fee_fixed
        self.refund_fee = refund_fee
        self.timeout_seconds = float(timeout_seconds)

    # --- the connector interface ---

    def authorize(self, request: AuthorizeRequest) -> AuthorizeResponse:
        decided = {}

        def decide() -> dict:
            card = SimulatorVaultCard.objects.filter(token=request.vault_token).first()
            decided["behaviour"] = card.behaviour if card is not None else None
            if card is None:
                return {"status": DECLINED, "decline_code": "invalid_account"}
            if card.behaviour in self.technical_failures:
                return {"status": ERROR, "error_code": PROCESSING_ERROR}
            if card.behaviour in DECLINES:
                return {"status": DECLINED, "decline_code": card.behaviour}
            if card.behaviour in THREE_D_SECURE:
                if not self._authenticated(request.authentication):
                    return {"status": REQUIRES_ACTION}
                if card.behaviour == "3ds_declined":
                    return {"status": DECLINED, "decline_code": "card_declined"}
            return {
                "status": SUCCEEDED,
                "reference": self._reference("ch"),
                "amount": request.amount,
                "currency": request.currency,
                "captured": request.capture,
            }

        operation, latency = self._once("authorize", request.idempotency_key, decide)
        if operation.status == SUCCEEDED and decided.get("behaviour") in simulator_disputes.DISPUTE_BEHAVIOURS:
            simulator_disputes.dispute_schedule(
                connector=self.name,
                behaviour=decided["behaviour"],
                charge_reference=operation.reference,
                amount=operation.amount,
                currency=operation.currency,
                captured=operation.captured,
            )
        return AuthorizeResponse(**self._result_fields(operation, latency), captured=operation.captured)

    def capture(self, request: CaptureRequest) -> ConnectorResult:
        def decide() -> dict:
            charge = self._charge(request.reference)
            if charge is None or charge.captured or self._voided(request.reference):
                return {"status": ERROR, "error_code": "charge_not_capturable"}
            if request.amount > charge.amount:
                return {"status": ERROR, "error_code": "amount_too_large"}
            return {
                "status": SUCCEEDED,
                "reference": request.reference,
                "charge_reference": request.reference,
                "amount": request.amount,
                "currency": request.currency,
                "captured": True,
            }

        operation, latency = self._once("capture", request.idempotency_key, decide)
        if operation.status == SUCCEEDED and operation.pk is not None:
            simulator_disputes.dispute_arm_on_capture(
                connector=self.name, charge_reference=request.reference, amount=operation.amount
            )
        return ConnectorResult(**self._result_fields(operation, latency))

    def void(self, request: VoidRequest) -> ConnectorResult:
        def decide() -> dict:
            charge = self._charge(request.reference)
            if charge is None or charge.captured or self._captured_later(request.reference):
                return {"status": ERROR, "error_code": "charge_not_voidable"}
            return {"status": SUCCEEDED, "reference": request.reference, "charge_reference": request.reference}

        operation, latency = self._once("void", request.idempotency_key, decide)
        return ConnectorResult(**self._result_fields(operation, latency))

    def refund(self, request: RefundRequest) -> ConnectorResult:
        def decide() -> dict:
            charge = self._charge(request.reference)
            if charge is None or not (charge.captured or self._captured_later(request.reference)):
                return {"status": ERROR, "error_code": "charge_not_refundable"}
            return {
                "status": SUCCEEDED,
                "reference": self._reference("rf"),
                "charge_reference": request.reference,
                "amount": request.amount,
                "currency": request.currency,
            }

        operation, latency = self._once("refund", request.idempotency_key, decide)
        return ConnectorResult(**self._result_fields(operation, latency))

    def dispute_submit_evidence(self, *, dispute_reference: str, evidence: dict) -> None:
        """Evidence for a dispute: the processor rules on the test phrases (see simulator_disputes)."""
        if not self.available:
            raise ConnectorUnreachable(f"{self.name} is unavailable")
        simulator_disputes.dispute_evidence_received(
            connector=self.name, dispute_reference=dispute_reference, evidence=evidence
        )

    def retrieve(self, idempotency_key: str) -> ConnectorResult | None:
        if not self.available:
            raise ConnectorUnreachable(f"{self.name} is unavailable")
        operation = SimulatorOperation.objects.filter(connector=self.name, idempotency_key=idempotency_key).first()
        if operation is None:
            return None
        if operation.operation == "authorize":
            return AuthorizeResponse(**self._result_fields(operation, 0), captured=operation.captured)
        return ConnectorResult(**self._result_fields(operation, 0))

    # --- settlement: the report the processor sends ---

    def settlement_rows(self, *, day: date):
        """Rows of the day's settlement report, in creation order: (reference, type, gross, fee, net, currency)."""
        operations = (
            SimulatorOperation.objects.filter(
                connector=self.name,
                status=SUCCEEDED,
                created__date=day,
                operation__in=("authorize", "capture", "refund"),
            )
            .order_by("pk")
            .values_list("operation", "reference", "charge_reference", "amount", "currency", "captured")
        )
        for operation, reference, charge_reference, amount, currency, captured in operations.iterator(chunk_size=5000):
            if operation == "authorize" and captured:
                fee = _percent_fee(amount, self.fee_percent, self.fee_fixed)
                yield reference, "charge", amount, fee, amount - fee, currency
            elif operation == "capture":
                fee = _percent_fee(amount, self.fee_percent, self.fee_fixed)
                yield charge_reference, "charge", amount, fee, amount - fee, currency
            elif operation == "refund":
                yield reference, "refund", amount, self.refund_fee, amount + self.refund_fee, currency

    # --- internals ---

    def _reference(self, prefix: str) -> str:
        return f"{self.name}_{prefix}_{secrets.token_hex(10)}"

    def _charge(self, reference: str) -> SimulatorOperation | None:
        return SimulatorOperation.objects.filter(
            connector=self.name, operation="authorize", status=SUCCEEDED, reference=reference
        ).first()

    @staticmethod
    def _authenticated(authentication: str | None) -> bool:
        """The cardholder completed this 3-D Secure session (the simulated issuer's own record)."""
        if not authentication:
            return False
        return ThreeDSecureSession.objects.filter(
            public_id=authentication, status=ThreeDSecureSession.Status.COMPLETED
        ).exists()

    def _voided(self, reference: str) -> bool:
        return SimulatorOperation.objects.filter(
            connector=self.name, operation="void", status=SUCCEEDED, charge_reference=reference
        ).exists()

    def _captured_later(self, reference: str) -> bool:
        return SimulatorOperation.objects.filter(
            connector=self.name, operation="capture", status=SUCCEEDED, charge_reference=reference
        ).exists()

    def _once(self, operation: str, idempotency_key: str, decide) -> tuple[SimulatorOperation, int]:
        """The first answer to `idempotency_key`, computing and storing it if there is none."""
        started = time.perf_counter()
        if not self.available:
            return (
                SimulatorOperation(
                    connector=self.name,
                    idempotency_key=idempotency_key,
                    operation=operation,
                    status=ERROR,
                    error_code=CONNECTOR_UNAVAILABLE,
                ),
                0,
            )
        existing = SimulatorOperation.objects.filter(connector=self.name, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, int((time.perf_counter() - started) * 1000)
        timed_out = self.latency_ms / 1000 > self.timeout_seconds
        if self.latency_ms:
            time.sleep(min(self.latency_ms / 1000, self.timeout_seconds))
        fields = decide()
        try:
            with transaction.atomic():
                stored = SimulatorOperation.objects.create(
                    connector=self.name, idempotency_key=idempotency_key, operation=operation, **fields
                )
        except IntegrityError:  # a concurrent call with the same key won: answer as it did
            stored = SimulatorOperation.objects.get(connector=self.name, idempotency_key=idempotency_key)
        if timed_out:  # the processor acted, but its answer comes after our deadline
            raise ConnectorTimeout(f"{self.name}: no answer within {self.timeout_seconds:g} s")
        return stored, int((time.perf_counter() - started) * 1000)

    @staticmethod
    def _result_fields(operation: SimulatorOperation, latency_ms: int) -> dict:
        return {
            "status": operation.status,
            "reference": operation.reference,
            "decline_code": operation.decline_code,
            "error_code": operation.error_code,
            "message": DECLINE_MESSAGES.get(operation.decline_code or "", ""),
            "amount": operation.amount,
            "latency_ms": latency_ms,
        }
