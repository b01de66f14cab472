"""The assessment pipeline: base signals, the FRAUD_CHECKS hooks, the risk score, then the rules.

`assess()` writes nothing to the database: it reads the lists, the rules and the active
model, and the velocity counters in Redis. Counting the attempt (`velocity_record`) and
keeping it in the feature log (`assessment_record`) are the caller's next steps.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

import structlog
from django.utils import timezone
from django.utils.module_loading import import_string

from fraud import conf, geo
from fraud.checks import SignalUnavailable
from fraud.lists import ListLookup
from fraud.models import Rule
from fraud.rules import ParsedRule, RuleSyntaxError, matches, parse_rule
from payments_platform.observability import metrics

logger = structlog.get_logger(__name__)

OPERATIONS = ("payment", "transfer", "payout")


@dataclass(frozen=True)
class RiskContext:
    """Everything the caller knows about one attempt to move money. Amounts in minor units."""

    operation: str  # "payment" | "transfer" | "payout"
    user_id: int  # pk of accounts.User
    account_created: datetime  # user signup time (account age)
    email: str
    amount: int
    currency: str
    ip: str | None = None
    card_fingerprint: str | None = None
    card_brand: str | None = None
    card_country: str | None = None
    card_bin: str | None = None  # first six digits; with card_last4, recognises the contract's test cards
    card_last4: str | None = None
    destination_fingerprint: str | None = None  # payouts/transfers: a hash of the destination
    occurred_at: datetime | None = None  # default now; the traffic simulator sets it

    def moment(self) -> datetime:
        return self.occurred_at or timezone.now()

    def timestamp(self) -> float:
        return self.moment().timestamp() if self.occurred_at else time.time()


@dataclass(frozen=True)
class Assessment:
    outcome_type: str  # "authorized" | "manual_review" | "blocked"
    risk_level: str  # "normal" | "elevated" | "highest"
    risk_score: int  # 0..99
    rules: list[str]  # names of the matched rules
    reason: str | None
    signals: dict  # what fed the score; signals["missing"] names what was unavailable

    def as_outcome(self) -> dict:
        """The contract's `outcome` object."""
        return {
            "type": self.outcome_type,
            "risk_level": self.risk_level,
            "risk_score": self.risk_score,
            "rules": list(self.rules),
            "reason": self.reason,
        }

    @property
    def blocked(self) -> bool:
        return self.outcome_type == "blocked"

    @property
    def needs_review(self) -> bool:
        return self.outcome_type == "manual_review"


def risk_level_for(score: int) -> str:
    if score >= conf.highest_risk_score():
        return "highest"
    if score >= conf.elevated_risk_score():
        return "elevated"
    return "normal"


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


_rules_lock = threading.Lock()
_rules_cache: dict = {"rows": None, "loaded_at": -math.inf}


def enabled_rules() -> list[tuple[str, str, str]]:
    """(name, expression, reason) of the enabled rules in evaluation order; cached FRAUD_RULES_CACHE_SECONDS."""
    now = time.monotonic()
    rows = _rules_cache["rows"]
    if rows is not None and now - _rules_cache["loaded_at"] < conf.rules_cache_seconds():
        return rows
    queryset = Rule.objects.filter(enabled=True).order_by("action", "position", "id")
    rows = list(queryset.values_list("name", "expression", "reason"))
    with _rules_lock:
        _rules_cache["rows"], _rules_cache["loaded_at"] = rows, now
    return rows


def forget_rules() -> None:
    """Drop this process's cached rules (after a rule is saved or deleted here)."""
    with _rules_lock:
        _rules_cache["rows"], _rules_cache["loaded_at"] = None, -math.inf


def _decide(signals: dict) -> tuple[str, list[str], str | None]:
    """Rules in the order allow, block, review (then position, id); the first match decides."""
    lookup = ListLookup(signals)
    outcome = {"allow": "authorized", "block": "blocked", "review": "manual_review"}
    for name, expression, reason in enabled_rules():
        try:
            parsed = _parsed(expression)
        except RuleSyntaxError:
            logger.error("fraud_rule_invalid", rule=name)
            continue
        if matches(parsed, signals, lookup):
            default_reason = None if parsed.action == "allow" else "rule"
            return outcome[parsed.action], [name], reason or default_reason
    return "authorized", [], None


def assess(*, context: RiskContext) -> Assessment:
    """Assess one attempt: base signals, every FRAUD_CHECKS hook, the risk score and level, then the rules.

    Writes nothing. Never raises for a missing data source: a check whose source is down
    (Redis for velocity) is named in `signals["missing"]` and the rest still decide.
    Costs one query for the lists, one Redis round trip, and the cached rules and model.
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
