"""The assessment pipeline: base signals, the FRAUD_CHECKS hooks, the risk score, then the rules.

`assess()` writes nothing to the database: it reads the lists, the rules and the active
model, and the velocity counters in Redis. Counting the attempt (`velocity_record`) and
keeping it in the feature log (`assessment_record`) are the caller's next steps.
"""

from __future__ import annotations

import functools
from types import MappingProxyType

import structlog
from django.utils.module_loading import import_string

from fraud import conf
from fraud.models import Rule
from fraud.pipeline import geo
from fraud.pipeline.cache import SettingTTLCache
from fraud.pipeline.context import OPERATIONS, Assessment, OutcomeType, RiskContext, RiskLevel
from fraud.pipeline.errors import SignalUnavailable
from fraud.pipeline.lists import ListLookup
from fraud.pipeline.rules import ParsedRule, RuleSyntaxError, matches, parse_rule
from payments_platform.observability import metrics

logger = structlog.get_logger(__name__)


def risk_level_for(score: int) -> str:
    if score >= conf.highest_risk_score():
        return RiskLevel.HIGHEST
    if score >= conf.elevated_risk_score():
        return RiskLevel.ELEVATED
    return RiskLevel.NORMAL


def usd_cents(amount: int, currency: str) -> float | None:
    """The amount in US cents by the configured rate table, or None for a currency without a rate."""
    rate = conf.usd_rates().get((currency or "").lower())
    return None if rate is None else amount * float(rate)


def base_signals(context: RiskContext) -> dict:
    """The signals every check and rule can read, taken from the context alone."""
    if context.operation not in OPERATIONS:
        raise ValueError(f"operation must be one of {OPERATIONS}, not {context.operation!r}")
    missing: list[str] = []
    cents = usd_cents(context.amount, context.currency)
    if cents is None:
        missing.append("amount_usd")
    age = context.moment() - context.account_created
    email = (context.email or "").strip().lower()
    domain = email.rpartition("@")[2] if "@" in email else None
    ip_country = geo.ip_country(context.ip)
    return {
        "operation": context.operation,
        "user_id": context.user_id,
        "amount": context.amount,
        "currency": (context.currency or "").lower(),
        "amount_usd": None if cents is None else round(cents / 100, 2),
        "account_age_days": round(max(0.0, age.total_seconds()) / 86400, 4),
        "email": email or None,
        "email_domain": domain,
        "disposable_email": domain in conf.disposable_email_domains() if domain else False,
        "ip": context.ip or None,
        "ip_country": ip_country,
        "card_fingerprint": context.card_fingerprint or None,
        "card_brand": (context.card_brand or "").lower() or None,
        "card_country": (context.card_country or "").lower() or None,
        "card_bin": context.card_bin or None,
        "card_last4": context.card_last4 or None,
        "destination_fingerprint": context.destination_fingerprint or None,
        "missing": missing,
    }


@functools.lru_cache(maxsize=16)
def _load_checks(paths: tuple[str, ...]) -> tuple:
    return tuple((path.rpartition(".")[2], import_string(path)) for path in paths)


@functools.lru_cache(maxsize=1024)
def _parsed(expression: str) -> ParsedRule:
    return parse_rule(expression)


def _run_checks(context: RiskContext, signals: dict) -> dict[str, int]:
    """Run FRAUD_CHECKS in order, merging their signals; returns the score floors they asked for."""
    missing: list[str] = signals["missing"]
    floors: dict[str, int] = {}
    view = MappingProxyType(signals)
    for name, check in _load_checks(tuple(conf.checks())):
        try:
            result = dict(check(context, view) or {})
        except SignalUnavailable as unavailable:
            if unavailable.signal not in missing:
                missing.append(unavailable.signal)
            continue
        except Exception:
            logger.exception("fraud_check_failed", check=name)
            missing.append(name)
            continue
        floor = result.pop("risk_score_floor", None)
        if floor is not None:
            floors[name] = int(floor)
        result.pop("missing", None)
        signals.update(result)
    return floors


_rules_cache = SettingTTLCache(conf.rules_cache_seconds)


def _enabled_rules_query() -> list[tuple[str, str, str]]:
    queryset = Rule.objects.filter(enabled=True).order_by("action", "position", "id")
    return list(queryset.values_list("name", "expression", "reason"))


def rules_enabled() -> list[tuple[str, str, str]]:
    """(name, expression, reason) of the enabled rules in evaluation order; cached FRAUD_RULES_CACHE_SECONDS."""
    return _rules_cache.get_or_load("rules", _enabled_rules_query)


def rules_cache_clear() -> None:
    """Drop this process's cached rules (after a rule is saved or deleted here)."""
    _rules_cache.clear()


def _decide(signals: dict) -> tuple[str, list[str], str | None]:
    """Rules in the order allow, block, review (then position, id); the first match decides."""
    lookup = ListLookup(signals)
    outcome = {"allow": OutcomeType.AUTHORIZED, "block": OutcomeType.BLOCKED, "review": OutcomeType.MANUAL_REVIEW}
    for name, expression, reason in rules_enabled():
        try:
            parsed = _parsed(expression)
        except RuleSyntaxError:
            logger.error("fraud_rule_invalid", rule=name)
            continue
        if matches(parsed, signals, lookup):
            default_reason = None if parsed.action == "allow" else "rule"
            return outcome[parsed.action], [name], reason or default_reason
    return OutcomeType.AUTHORIZED, [], None


def assess(*, context: RiskContext) -> Assessment:
    """Assess one attempt: base signals, every FRAUD_CHECKS hook, the risk score and level, then the rules.

    Writes nothing. Never raises for a missing data source: a check whose source is down
    (Redis for velocity) is named in `signals["missing"]` and the rest still decide.
    """
    signals = base_signals(context)
    floors = _run_checks(context, signals)
    risk_score = max([int(signals.get("ml_score") or 0), *floors.values()])
    risk_score = max(0, min(99, risk_score))
    if floors:
        signals["risk_score_floors"] = floors
    signals["risk_score"] = risk_score
    signals["risk_level"] = risk_level_for(risk_score)
    outcome_type, matched, reason = _decide(signals)
    metrics.fraud_decision_counted(operation=context.operation, outcome=outcome_type)
    return Assessment(
        outcome_type=outcome_type,
        risk_level=signals["risk_level"],
        risk_score=risk_score,
        rules=matched,
        reason=reason,
        signals=signals,
    )
