"""The check that recognises the contract's test cards (shared/API.md), for the payments simulator only.

It is in `fraud.conf.DEFAULT_CHECKS`; a production deployment leaves it out of FRAUD_CHECKS.
"""

from __future__ import annotations

from collections.abc import Mapping

from fraud.pipeline.context import RiskContext

# By BIN and last four digits. The payments simulator passes card_bin and card_last4; real
# cards never reach these values in test mode.
TEST_CARDS = {
    ("410000", "0019"): ("fraudulent", 85),  # 4100000000000019: blocked, risk_level highest
    ("400000", "9235"): ("elevated_risk", 70),  # 4000000000009235: succeeds, elevated, reviewed
}


def test_cards(context: RiskContext, signals: Mapping) -> dict:
    """The contract's test cards: 4100000000000019 scores 85 (highest), 4000000000009235 scores 70 (elevated)."""
    match = TEST_CARDS.get((context.card_bin or "", context.card_last4 or ""))
    if match is None:
        return {}
    name, floor = match
    return {"test_card": name, "risk_score_floor": floor}
