"""Production settings with a connector that charges and then times out (scenario 7 only)."""

from payments_platform.settings import *  # noqa: F403
from payments_platform.settings import PAYMENT_SIMULATOR_LATENCY_MS, env

PAYMENT_CONNECTORS = {
    "chaos_a": {
        "class": "chaos_connector.ChargeThenTimeoutConnector",
        "options": {
            "latency_ms": PAYMENT_SIMULATOR_LATENCY_MS,
            "technical_failures": [],
            "hang_seconds": env.float("CHAOS_HANG_SECONDS", default=8.0),
            # The call's deadline, below the scenario's gunicorn timeout (5 s).
            "timeout_seconds": env.float("CHAOS_CONNECTOR_TIMEOUT_SECONDS", default=3.0),
        },
    },
    "simulator_b": {
        "class": "payments.sandbox.connector.SimulatorConnector",
        "options": {"latency_ms": PAYMENT_SIMULATOR_LATENCY_MS, "technical_failures": []},
    },
}
PAYMENT_ROUTING = {"*": [{"connector": "chaos_a"}, {"connector": "simulator_b"}]}
