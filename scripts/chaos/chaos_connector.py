"""A connector for fault runs: the simulator, except that some charges go through on the
processor's side and then the call fails as a network timeout would.

Amounts decide (so a load driver can aim at it):

- `amount % 100 == 7`: the charge is made (recorded by the simulator), then `TimeoutError` is raised,
  as when the processor's answer is lost.
- `amount % 100 == 9`: the charge is made, then the call hangs for `hang_seconds` the first time
  this idempotency key is seen (past gunicorn's worker timeout); a repeat of the key answers at
  once. Seen keys are files in `CHAOS_MARKER_DIR`. Like every connector it honours its
  `timeout_seconds` option: when the hang outlasts it, the call gives up at the deadline with
  `ConnectorTimeout` (an unknown outcome), before gunicorn would kill the worker.

Configured by `chaos_settings.py` (PAYMENT_CONNECTORS accepts any class path).
"""

import hashlib
import os
import time
from pathlib import Path

from payments.connectors.base import ConnectorTimeout
from payments.sandbox.connector import SimulatorConnector


class ChargeThenTimeoutConnector(SimulatorConnector):
    def __init__(self, *, hang_seconds: float = 8.0, **options):
        super().__init__(**options)
        self.hang_seconds = hang_seconds

    def authorize(self, request):
        response = super().authorize(request)
        if response.succeeded and request.amount % 100 == 7:
            raise TimeoutError("chaos: the processor charged, then the answer was lost")
        if response.succeeded and request.amount % 100 == 9:
            marker = Path(os.environ.get("CHAOS_MARKER_DIR", "/tmp")) / (
                "hang-" + hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:16]
            )
            if not marker.exists():
                marker.touch()
                time.sleep(min(self.hang_seconds, self.timeout_seconds))
                if self.hang_seconds > self.timeout_seconds:
                    raise ConnectorTimeout(f"chaos: no answer within {self.timeout_seconds:g} s")
        return response
