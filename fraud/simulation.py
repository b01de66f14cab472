"""Where other apps imported the traffic simulation from before it moved (`fraud.sandbox.traffic`).

wallets and payments register their runners here from `AppConfig.ready()`. Kept until those
imports go through fraud's public surface; fraud's own code never imports it.
"""

from fraud.sandbox.traffic import RUNNERS, SimulatedAttempt, assess_only_runner, register_runner

__all__ = ["RUNNERS", "SimulatedAttempt", "assess_only_runner", "register_runner"]
