"""The built-in fraud checks. Each is `check(context, signals) -> dict of new signals`.

FRAUD_CHECKS lists the checks to run, in order, as dotted paths; a deployment adds its own
function anywhere on the Python path. A check receives the assessment's `RiskContext` and
a read-only view of the signals gathered so far (base signals plus earlier checks'), and
returns new signals, which rules can then read as `:name:`. Two conventions:

- Returning `risk_score_floor: n` raises the assessment's risk score to at least `n`.
- Raising `SignalUnavailable` (a data source is down) leaves the check's signals out and
  names it in `signals["missing"]`; any other exception does the same and is logged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from fraud import conf
from fraud.pipeline import scoring
from fraud.pipeline.context import RiskContext
from fraud.pipeline.errors import SignalUnavailable
from fraud.pipeline.lists import candidates, list_hits
from fraud.pipeline.velocity import VelocityUnavailable, velocity_read

MANY_CARDS_PER_ACCOUNT = 3
REPEATED_DECLINES = 3
MIN_HISTORY_FOR_ANOMALY = 3
ANOMALY_ZSCORE = 3.0


def lists(context: RiskContext, signals: Mapping) -> dict:
    """Allow and block lists: which lists the card, email, domain, IP and countries are on."""
    hits = list_hits(candidates(signals))
    return {
        "list_hits": hits,
        "blocklisted": any(name.startswith("blocked_") for name in hits),
        "allowlisted": any(name.startswith("allowed_") for name in hits),
    }


def velocity(context: RiskContext, signals: Mapping) -> dict:
    """Counts, sums (USD) and declines per user, card and IP over 1 min, 1 h, 24 h, from Redis."""
    try:
        snapshot = velocity_read(
            user_id=context.user_id,
            card_fingerprint=context.card_fingerprint,
            ip=context.ip,
            now=context.timestamp(),
        )
    except VelocityUnavailable as error:
        raise SignalUnavailable("velocity", str(error)) from error
    history = snapshot.history
    return {
        **snapshot.counters,
        "user_distinct_cards_24h": snapshot.user_distinct_cards_24h,
        "card_distinct_users_24h": snapshot.card_distinct_users_24h,
        "user_history_count": history.count,
        "user_history_log_mean": round(history.log_mean, 4),
        "user_history_log_std": round(history.log_std, 4),
        "user_max_amount_usd": history.max_usd,
    }


def _require(signals: Mapping, source: str, *names: str) -> None:
    """Raise SignalUnavailable(source) unless every named signal is present."""
    for name in names:
        if signals.get(name) is None:
            raise SignalUnavailable(source)


def amount_anomaly(context: RiskContext, signals: Mapping) -> dict:
    """How unusual the amount is for this user: a z-score of log(amount) against their history."""
    _require(signals, "amount_usd", "amount_usd")
    _require(signals, "velocity", "user_history_count")
    amount_usd = signals["amount_usd"]
    count = signals["user_history_count"]
    if count < MIN_HISTORY_FOR_ANOMALY:
        zscore = 0.0
    else:
        spread = max(signals["user_history_log_std"], 0.25)
        zscore = (math.log1p(amount_usd) - signals["user_history_log_mean"]) / spread
    return {
        "amount_zscore": round(zscore, 3),
        "amount_anomaly": zscore >= ANOMALY_ZSCORE,
        "amount_over_user_max": count > 0 and amount_usd > 2 * signals["user_max_amount_usd"],
    }


def new_account_large_amount(context: RiskContext, signals: Mapping) -> dict:
    """A young account moving a large amount (FRAUD_NEW_ACCOUNT_DAYS, FRAUD_LARGE_AMOUNT_USD)."""
    _require(signals, "amount_usd", "amount_usd")
    return {
        "new_account_large_amount": signals["account_age_days"] < conf.new_account_days()
        and signals["amount_usd"] >= conf.large_amount_usd()
    }


def card_ip_country_mismatch(context: RiskContext, signals: Mapping) -> dict:
    """The card's issuing country differs from the client IP's (false when either is unknown)."""
    card_country, ip_country = signals.get("card_country"), signals.get("ip_country")
    return {"card_ip_country_mismatch": bool(card_country and ip_country and card_country != ip_country)}


def distinct_cards(context: RiskContext, signals: Mapping) -> dict:
    """Many cards on one account, and one card on many accounts, within 24 h."""
    _require(signals, "velocity", "user_distinct_cards_24h", "card_distinct_users_24h")
    return {
        "many_cards_on_account": signals["user_distinct_cards_24h"] >= MANY_CARDS_PER_ACCOUNT,
        "card_shared_across_accounts": signals["card_distinct_users_24h"] >= 2,
    }


def repeated_declines(context: RiskContext, signals: Mapping) -> dict:
    """Several recent declines for the user or the card."""
    _require(signals, "velocity", "user_declines_24h")
    return {
        "repeated_declines": signals["user_declines_1h"] >= REPEATED_DECLINES
        or (signals.get("card_declines_24h") or 0) >= REPEATED_DECLINES
    }


def ml_score(context: RiskContext, signals: Mapping) -> dict:
    """The risk model's score (trained JSON model, or the built-in one), from every signal before it."""
    model = scoring.risk_model_active()
    return {
        "ml_score": scoring.score(model, scoring.features_from_signals(signals)),
        "model_version": model["version"],
    }
