"""Where other apps imported the assessment's types from before the pipeline moved (`fraud.pipeline`).

Kept until those imports go through fraud's public surface; fraud's own code never imports it.
"""

from fraud.pipeline.context import Assessment, RiskContext

__all__ = ["Assessment", "RiskContext"]
