"""Connectors for the unknown-outcome tests: the simulator, failing the way networks do.

Configured per test through settings.PAYMENT_CONNECTORS (see `configure`). What each one does
wrong is a class attribute the test sets (`FaultySimulator.faults`), read at call time.
"""

import threading

from django.db import connection

from payments.connectors.base import ConnectorTimeout, ConnectorUnreachable
from payments.models import PaymentAttempt
from payments.sandbox.connector import SimulatorConnector


class FaultySimulator(SimulatorConnector):
    """faults: "charge_then_timeout" (acts, then the answer is lost), "timeout_before_acting",
    "unreachable", "retrieve_down" (retrieve raises: cannot tell), "capture_then_timeout",
    "void_then_timeout"."""

    faults: set[str] = set()

    def authorize(self, request):
        if "unreachable" in self.faults:
            raise ConnectorUnreachable("connection refused")
        if "timeout_before_acting" in self.faults:
            raise ConnectorTimeout("no answer")
        response = super().authorize(request)
        if "charge_then_timeout" in self.faults:
            raise ConnectorTimeout("charged, then the answer was lost")
        return response

    def capture(self, request):
        result = super().capture(request)
        if "capture_then_timeout" in self.faults:
            raise TimeoutError("captured, then the answer was lost")
        return result

    def void(self, request):
        result = super().void(request)
        if "void_then_timeout" in self.faults:
            raise ConnectionResetError("voided, then the connection was reset")
        return result

    def retrieve(self, idempotency_key):
        if "retrieve_down" in self.faults:
            raise ConnectionResetError("the processor cannot be reached")
        return super().retrieve(idempotency_key)


class WitnessSimulator(SimulatorConnector):
    """Before authorizing, looks through a separate database connection (another thread) for its
    attempt: `seen` records whether the row was committed and pending at that moment. With
    `hold` set, it waits (`entered` set) until `release` is set, so a test can act meanwhile."""

    seen: list[bool] = []
    hold = False
    entered = threading.Event()
    release = threading.Event()

    def authorize(self, request):
        found: list[bool] = []

        def look() -> None:
            try:
                found.append(
                    PaymentAttempt.objects.filter(idempotency_key=request.idempotency_key, status="pending").exists()
                )
            finally:
                connection.close()

        thread = threading.Thread(target=look)
        thread.start()
        thread.join()
        type(self).seen.append(found == [True])
        if type(self).hold:
            type(self).entered.set()
            type(self).release.wait(10)
        return super().authorize(request)


def configure(settings, first: str, *, first_options: dict | None = None) -> None:
    """Route every payment to `first` (a class path, named "faulty"), then to simulator_b."""
    settings.PAYMENT_CONNECTORS = {
        "faulty": {"class": first, "options": {"latency_ms": 0, "technical_failures": [], **(first_options or {})}},
        "simulator_b": {
            "class": "payments.sandbox.connector.SimulatorConnector",
            "options": {"latency_ms": 0, "technical_failures": []},
        },
    }
    settings.PAYMENT_ROUTING = {"*": [{"connector": "faulty"}, {"connector": "simulator_b"}]}
