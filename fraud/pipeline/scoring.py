"""The risk model at request time: a feature vector from the signals, scored in plain Python.

A model is data: `{"kind": "logistic_regression", "features": [...], "means": [...],
"scales": [...], "coefficients": [...], "intercept": x}`. Scoring standardises each
feature, takes the logistic of the weighted sum and maps the probability to 0..99. No
scikit-learn, no pickle.

Until a model is trained (`manage.py train_risk_model`), `BUILTIN_MODEL`, a hand-weighted
model of the same shape, scores every assessment.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from fraud import conf
from fraud.models import RiskModel
from fraud.pipeline.cache import SettingTTLCache

FEATURES = [
    "log_amount_usd",
    "log_account_age_days",
    "new_account",
    "new_account_large_amount",
    "operation_payment",
    "operation_transfer",
    "operation_payout",
    "log_user_attempts_1m",
    "log_user_attempts_1h",
    "log_user_attempts_24h",
    "log_user_amount_usd_24h",
    "log_card_attempts_1h",
    "log_card_attempts_24h",
    "log_ip_attempts_1h",
    "log_user_declines_24h",
    "log_card_declines_24h",
    "log_user_distinct_cards_24h",
    "log_card_distinct_users_24h",
    "amount_zscore",
    "amount_over_user_max",
    "no_user_history",
    "card_ip_country_mismatch",
    "disposable_email",
    "has_card",
    "has_ip",
    "velocity_missing",
]


def _number(signals: Mapping, name: str) -> float:
    value = signals.get(name)
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    return 0.0


def _log(signals: Mapping, name: str) -> float:
    return math.log1p(max(0.0, _number(signals, name)))


def features_from_signals(signals: Mapping) -> dict[str, float]:
    """The model's inputs, derived from an assessment's signals; missing signals read as 0."""
    operation = signals.get("operation")
    return {
        "log_amount_usd": _log(signals, "amount_usd"),
        "log_account_age_days": _log(signals, "account_age_days"),
        "new_account": 1.0 if _number(signals, "account_age_days") < conf.new_account_days() else 0.0,
        "new_account_large_amount": _number(signals, "new_account_large_amount"),
        "operation_payment": 1.0 if operation == "payment" else 0.0,
        "operation_transfer": 1.0 if operation == "transfer" else 0.0,
        "operation_payout": 1.0 if operation == "payout" else 0.0,
        "log_user_attempts_1m": _log(signals, "user_attempts_1m"),
        "log_user_attempts_1h": _log(signals, "user_attempts_1h"),
        "log_user_attempts_24h": _log(signals, "user_attempts_24h"),
        "log_user_amount_usd_24h": _log(signals, "user_amount_usd_24h"),
        "log_card_attempts_1h": _log(signals, "card_attempts_1h"),
        "log_card_attempts_24h": _log(signals, "card_attempts_24h"),
        "log_ip_attempts_1h": _log(signals, "ip_attempts_1h"),
        "log_user_declines_24h": _log(signals, "user_declines_24h"),
        "log_card_declines_24h": _log(signals, "card_declines_24h"),
        "log_user_distinct_cards_24h": _log(signals, "user_distinct_cards_24h"),
        "log_card_distinct_users_24h": _log(signals, "card_distinct_users_24h"),
        "amount_zscore": max(-5.0, min(5.0, _number(signals, "amount_zscore"))),
        "amount_over_user_max": _number(signals, "amount_over_user_max"),
        "no_user_history": 1.0 if _number(signals, "user_history_count") == 0 else 0.0,
        "card_ip_country_mismatch": _number(signals, "card_ip_country_mismatch"),
        "disposable_email": _number(signals, "disposable_email"),
        "has_card": 1.0 if signals.get("card_fingerprint") else 0.0,
        "has_ip": 1.0 if signals.get("ip") else 0.0,
        "velocity_missing": 1.0 if "velocity" in signals.get("missing", ()) else 0.0,
    }


_BUILTIN_WEIGHTS = {
    "log_amount_usd": 0.15,
    "new_account_large_amount": 2.5,
    "new_account": 0.4,
    "log_user_attempts_1m": 1.2,
    "log_user_attempts_1h": 0.3,
    "log_user_declines_24h": 0.9,
    "log_card_declines_24h": 0.6,
    "log_user_distinct_cards_24h": 1.0,
    "log_card_distinct_users_24h": 1.8,
    "amount_zscore": 0.35,
    "amount_over_user_max": 0.5,
    "card_ip_country_mismatch": 1.3,
    "disposable_email": 1.0,
}

BUILTIN_MODEL = {
    "version": "builtin-1",
    "kind": "logistic_regression",
    "features": FEATURES,
    "means": [0.0] * len(FEATURES),
    "scales": [1.0] * len(FEATURES),
    "coefficients": [_BUILTIN_WEIGHTS.get(name, 0.0) for name in FEATURES],
    "intercept": -5.2,
}


def score(parameters: Mapping, features: Mapping[str, float]) -> int:
    """The risk score 0..99 of a logistic-regression model stored as JSON."""
    total = float(parameters["intercept"])
    for name, mean, scale, weight in zip(
        parameters["features"], parameters["means"], parameters["scales"], parameters["coefficients"], strict=True
    ):
        total += weight * (features.get(name, 0.0) - mean) / (scale or 1.0)
    total = max(-50.0, min(50.0, total))
    probability = 1.0 / (1.0 + math.exp(-total))
    return min(99, int(probability * 100))


_model_cache = SettingTTLCache(conf.model_cache_seconds)


def _active_model_query() -> dict:
    row = RiskModel.objects.filter(active=True).values("version", "parameters").first()
    return {**row["parameters"], "version": row["version"]} if row else BUILTIN_MODEL


def risk_model_active() -> dict:
    """The active RiskModel's parameters (with its version), or BUILTIN_MODEL; cached FRAUD_MODEL_CACHE_SECONDS."""
    return _model_cache.get_or_load("model", _active_model_query)


def risk_model_cache_clear() -> None:
    """Drop the cached model so the next assessment reads the active one (after training or in tests)."""
    _model_cache.clear()
