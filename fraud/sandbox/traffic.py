"""Synthetic, labeled traffic with planted fraud patterns, for `simulate_traffic` and model training.

Legitimate users pay, transfer and pay out at their own pace from their home country,
with a card or two, the odd decline, trip abroad or big purchase. Fraud is planted in
three patterns, each labeled:

- card testing: a new account fires a burst of tiny payments with many stolen cards in a
  few minutes, mostly declined by the issuer;
- stolen cards across accounts: a ring of accounts shares a few stolen cards for mid-sized
  payments within hours, usually from an IP in another country than the card;
- sudden large payouts from new accounts: money in, then a large payout within hours.

Some fraud is camouflaged (home-country IP, ordinary amounts) so the problem is not trivial.

Each attempt runs through an `AttemptRunner`. `assess_only_runner` (mode `assess`) calls
`assess`, then `velocity_record` and `assessment_record` with the label, exactly as a caller
would. EXTENSION POINT: apps above fraud add runners that move real money through their
services (which assess themselves) and label the feature-log rows with `assessment_label`.
fraud must not import them, so they register themselves with `register_runner(name, runner)`
from their AppConfig.ready(); wallets registers mode `wallets` (real transfers and payouts,
`wallets/simulation.py`). `RUNNERS` holds them all; `simulate_traffic --mode` picks one.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from django.db import transaction

from accounts.api import User
from fraud.pipeline.assessment import assess
from fraud.pipeline.context import RiskContext
from fraud.services import assessment_record, velocity_record

HOME_COUNTRIES = {"us": "100.64", "gb": "100.65", "de": "100.66", "fr": "100.67", "br": "100.68"}
FRAUD_COUNTRIES = {"ng": "100.69", "ru": "100.70", "vn": "100.71"}
ALL_PREFIXES = {**HOME_COUNTRIES, **FRAUD_COUNTRIES}
CURRENCY_OF = {"us": "usd", "gb": "gbp", "de": "eur", "fr": "eur", "br": "usd"}
EMAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com"]
DISPOSABLE = ["mailinator.com", "yopmail.com", "trashmail.com"]
BRANDS = [("visa", "424242"), ("mastercard", "555555"), ("amex", "378282")]


@dataclass(frozen=True)
class SimulatedAttempt:
    context: RiskContext
    fraudulent: bool
    pattern: str  # legitimate | card_testing | stolen_cards | new_account_payout
    issuer_declines: bool


@dataclass
class SimulatedUser:
    user: User
    country: str
    cards: list[tuple[str, str, str]]  # (fingerprint, brand, bin)


class AttemptRunner(Protocol):
    def __call__(self, attempt: SimulatedAttempt, index: int) -> str:
        """Run one attempt; return its outcome type."""


def assess_only_runner(attempt: SimulatedAttempt, index: int) -> str:
    """Assess, count and log one attempt with its label: what a caller does, without moving money."""
    assessment = assess(context=attempt.context)
    velocity_record(context=attempt.context, declined=attempt.issuer_declines or assessment.blocked)
    assessment_record(
        context=attempt.context,
        assessment=assessment,
        object_type="simulation",
        object_id=f"sim_{index}_{attempt.pattern}",
        label=attempt.fraudulent,
        label_source="simulated",
    )
    return assessment.outcome_type


RUNNERS: dict[str, AttemptRunner] = {"assess": assess_only_runner}


def register_runner(name: str, runner: AttemptRunner) -> None:
    """Make `runner` available as `simulate_traffic --mode <name>` (call it from an AppConfig.ready)."""
    RUNNERS[name] = runner


class TrafficGenerator:
    """Generates users and a time-ordered stream of labeled attempts (deterministic for a seed)."""

    def __init__(self, *, users: int, days: int, seed: int, run_tag: str, start: dt.datetime):
        self.rng = random.Random(seed)  # noqa: S311 (reproducible simulation, not security)
        self.user_count = users
        self.days = days
        self.run_tag = run_tag
        self.start = start
        self.end = start + dt.timedelta(days=days)
        self.serial = 0

    # --- building blocks ---

    def _fingerprint(self) -> str:
        self.serial += 1
        return hashlib.sha256(f"{self.run_tag}:{self.serial}:{self.rng.random()}".encode()).hexdigest()[:24]

    def _card(self) -> tuple[str, str, str]:
        brand, bin_ = self.rng.choice(BRANDS)
        return self._fingerprint(), brand, bin_

    def _ip(self, country: str) -> str:
        prefix = ALL_PREFIXES[country]
        return f"{prefix}.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}"

    def _user(self, *, created: dt.datetime, disposable: bool) -> User:
        self.serial += 1
        domain = self.rng.choice(DISPOSABLE if disposable else EMAIL_DOMAINS)
        return User.objects.create_user(
            email=f"sim-{self.run_tag}-{self.serial}@{domain}", password=None, name="simulated", created=created
        )

    def _moment(self, earliest: dt.datetime | None = None) -> dt.datetime:
        low = max(self.start, earliest or self.start)
        return low + dt.timedelta(seconds=self.rng.uniform(0, max(1.0, (self.end - low).total_seconds())))

    def _amount(self, median_usd: float, sigma: float, currency: str) -> int:
        usd = median_usd * self.rng.lognormvariate(0, sigma)
        rate = {"usd": 1.0, "eur": 1.08, "gbp": 1.27}[currency]
        return max(50, int(usd * 100 / rate))

    def _attempt(
        self,
        sim: SimulatedUser,
        *,
        pattern: str,
        operation: str,
        amount: int,
        currency: str,
        at: dt.datetime,
        ip_country: str,
        card: tuple[str, str, str] | None,
        card_country: str,
        issuer_decline_rate: float = 0.0,
    ) -> SimulatedAttempt:
        """One attempt of `sim`; the issuer declines it with `issuer_decline_rate` (drawn after the context)."""
        fingerprint, brand, bin_ = card if card else (None, None, None)
        context = RiskContext(
            operation=operation,
            user_id=sim.user.pk,
            account_created=sim.user.created,
            email=sim.user.email,
            amount=amount,
            currency=currency,
            ip=self._ip(ip_country),
            card_fingerprint=fingerprint,
            card_brand=brand,
            card_country=card_country if card else None,
            card_bin=bin_,
            card_last4=f"{self.rng.randrange(10000):04d}" if card else None,
            destination_fingerprint=self._fingerprint()[:16] if operation == "payout" else None,
            occurred_at=at,
        )
        declines = issuer_decline_rate > 0 and self.rng.random() < issuer_decline_rate
        return SimulatedAttempt(context, fraudulent=pattern != "legitimate", pattern=pattern, issuer_declines=declines)

    # --- populations ---

    def _legitimate(self) -> Iterator[SimulatedAttempt]:
        rng = self.rng
        new_during_run = rng.random() < 0.1
        created = self._moment() if new_during_run else self.start - dt.timedelta(days=rng.uniform(10, 900))
        country = rng.choice(list(HOME_COUNTRIES))
        sim = SimulatedUser(self._user(created=created, disposable=rng.random() < 0.02), country, [self._card()])
        if rng.random() < 0.3:
            sim.cards.append(self._card())
        currency = CURRENCY_OF[country]
        typical = rng.uniform(15, 120)
        rate_per_day = rng.uniform(0.1, 1.5)
        count = max(1, int(rate_per_day * self.days * rng.uniform(0.5, 1.5)))
        for _ in range(count):
            at = self._moment(created)
            roll = rng.random()
            travelling = rng.random() < 0.05
            ip_country = rng.choice(list(HOME_COUNTRIES)) if travelling else country
            card = rng.choice(sim.cards)
            attempt = functools.partial(
                self._attempt, sim, pattern="legitimate", currency=currency, at=at, ip_country=ip_country
            )
            if roll < 0.7:
                amount = self._amount(typical * (8 if rng.random() < 0.03 else 1), 0.7, currency)
                yield attempt(
                    operation="payment", amount=amount, card=card, card_country=country, issuer_decline_rate=0.04
                )
            else:
                # Transfers are smaller than a typical payment, payouts larger; neither uses a card.
                operation, scale, spread = ("transfer", 0.6, 0.8) if roll < 0.9 else ("payout", 4, 0.9)
                amount = self._amount(typical * scale, spread, currency)
                yield attempt(operation=operation, amount=amount, card=None, card_country=country)

    def _card_testing(self) -> Iterator[SimulatedAttempt]:
        rng = self.rng
        created = self._moment()
        camouflaged = rng.random() < 0.15
        sim = SimulatedUser(self._user(created=created, disposable=rng.random() < 0.4), "us", [])
        at = created + dt.timedelta(minutes=rng.uniform(5, 600))
        ip_country = "us" if camouflaged else rng.choice(list(FRAUD_COUNTRIES))
        for _ in range(rng.randint(4, 8) if camouflaged else rng.randint(10, 40)):
            at += dt.timedelta(seconds=rng.uniform(3, 40) * (6 if camouflaged else 1))
            card_country = rng.choice(["us", "gb", "de"])
            yield self._attempt(
                sim,
                pattern="card_testing",
                operation="payment",
                amount=rng.randint(100, 600),
                currency="usd",
                at=at,
                ip_country=ip_country,
                card=self._card(),
                card_country=card_country,
                issuer_decline_rate=0.7,
            )

    def _stolen_card_ring(self) -> Iterator[SimulatedAttempt]:
        rng = self.rng
        cards = [self._card() for _ in range(rng.randint(2, 4))]
        card_country = rng.choice(["us", "gb"])
        began = self._moment()
        members = []
        for _ in range(rng.randint(3, 6)):
            old = rng.random() < 0.3  # a taken-over older account
            created = began - dt.timedelta(days=rng.uniform(30, 400) if old else rng.uniform(0, 2))
            members.append(SimulatedUser(self._user(created=created, disposable=rng.random() < 0.2), card_country, []))
        for sim in members:
            camouflaged = rng.random() < 0.2
            at = began + dt.timedelta(minutes=rng.uniform(0, 360))
            for _ in range(rng.randint(1, 4)):
                at += dt.timedelta(minutes=rng.uniform(1, 45))
                ip_country = card_country if camouflaged or rng.random() < 0.3 else rng.choice(list(FRAUD_COUNTRIES))
                amount = self._amount(60 if camouflaged else 350, 0.6, "usd")
                yield self._attempt(
                    sim,
                    pattern="stolen_cards",
                    operation="payment",
                    amount=amount,
                    currency="usd",
                    at=at,
                    ip_country=ip_country,
                    card=rng.choice(cards),
                    card_country=card_country,
                    issuer_decline_rate=0.15,
                )

    def _new_account_payout(self) -> Iterator[SimulatedAttempt]:
        rng = self.rng
        created = self._moment()
        country = rng.choice(list(HOME_COUNTRIES))
        sim = SimulatedUser(self._user(created=created, disposable=rng.random() < 0.5), country, [self._card()])
        at = created + dt.timedelta(minutes=rng.uniform(10, 300))
        ip_country = country if rng.random() < 0.5 else rng.choice(list(FRAUD_COUNTRIES))
        attempt = functools.partial(
            self._attempt,
            sim,
            pattern="new_account_payout",
            currency="usd",
            ip_country=ip_country,
            card_country=country,
        )
        large = self._amount(rng.choice([800, 2500, 6000]), 0.5, "usd")
        yield attempt(operation="payment", amount=large, at=at, card=sim.cards[0])
        at += dt.timedelta(minutes=rng.uniform(5, 240))
        yield attempt(operation="payout", amount=int(large * rng.uniform(0.8, 0.97)), at=at, card=None)

    def attempts(self, fraud_share: float = 0.08) -> list[SimulatedAttempt]:
        """Every attempt of the run, oldest first. Creates the simulated users (no password) as it goes."""
        patterns: list[Callable[[], Iterator[SimulatedAttempt]]] = [
            self._card_testing,
            self._stolen_card_ring,
            self._new_account_payout,
        ]
        attempts: list[SimulatedAttempt] = []
        fraud_groups = max(3, int(self.user_count * fraud_share))
        with transaction.atomic():
            for _ in range(self.user_count - fraud_groups):
                attempts.extend(self._legitimate())
            for index in range(fraud_groups):
                attempts.extend(patterns[index % len(patterns)]())
        attempts = [attempt for attempt in attempts if attempt.context.occurred_at <= self.end]
        attempts.sort(key=lambda attempt: attempt.context.occurred_at)
        return attempts
