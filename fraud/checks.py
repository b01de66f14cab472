"""The built-in checks under the dotted paths FRAUD_CHECKS has named since before the pipeline moved.

A FRAUD_CHECKS value such as `fraud.checks.lists` keeps working; new settings name
`fraud.pipeline.checks.<name>` (and `fraud.sandbox.simulator_cards.test_cards`), as
`fraud.conf.DEFAULT_CHECKS` does. A check's name in `signals["missing"]` is the last part
of its path, so both spellings report alike.
"""

from fraud.pipeline.checks import (
    amount_anomaly,
    card_ip_country_mismatch,
    distinct_cards,
    lists,
    ml_score,
    new_account_large_amount,
    repeated_declines,
    velocity,
)
from fraud.sandbox.simulator_cards import test_cards

__all__ = [
    "amount_anomaly",
    "card_ip_country_mismatch",
    "distinct_cards",
    "lists",
    "ml_score",
    "new_account_large_amount",
    "repeated_declines",
    "test_cards",
    "velocity",
]
