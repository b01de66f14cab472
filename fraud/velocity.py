"""Where other apps imported the velocity store from before the pipeline moved (`fraud.pipeline.velocity`).

Kept until those imports go through fraud's public surface; fraud's own code never imports it.
"""

from fraud.pipeline.velocity import reset_clients, velocity_read

__all__ = ["reset_clients", "velocity_read"]
