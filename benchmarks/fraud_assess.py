"""Fraud assessment overhead: assessments per second, and the latency a caller adds per confirm.

Runs in-process against real PostgreSQL and Redis (a dedicated benchmark database that the
script creates and migrates), with the default checks, rules and lists:

- `assess` alone (lists query, Redis velocity read, rules, plain-Python model score);
- the whole per-attempt fraud overhead a confirm/transfer/payout adds: `assess` +
  `velocity_record` + `assessment_record` (in a transaction, as a caller runs it);
- the model score alone (plain Python, from the JSON parameters);
- what screening adds to a whole payment confirm (`payment_intent_create(confirm=True)` through
  the real payments services and the simulator connector at 0 ms), one confirm per mode per
  round in a shuffled order (paired differences), three ways: screening stubbed out (the
  benchmark replaces assess, assessment_record and velocity_record in payments.services.intents
  with no-ops: the pre-fraud confirm), `FRAUD_CHECKS=[]` (rules, feature-log row and velocity
  write only), and the default checks. The bench cards are allowlisted so
  every confirm takes the same path (assessed in full, authorized, captured).

Rerun:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_fraud_bench REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python benchmarks/fraud_assess.py [--iterations 3000] [--confirms 1500]
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.support import benchmark_environment, database_ready, percentile  # noqa: E402 - after the path setup

benchmark_environment(database="pp_fraud_bench", redis_db=6)


def report(label: str, samples: list[float]) -> None:
    total = sum(samples)
    print(
        f"{label:48} {len(samples) / total:9.0f}/s   mean {statistics.mean(samples) * 1000:6.3f} ms   "
        f"p50 {percentile(samples, 0.5) * 1000:6.3f} ms   p99 {percentile(samples, 0.99) * 1000:6.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--confirms", type=int, default=1500, help="Confirms per mode (0: skip that part).")
    arguments = parser.parse_args()

    database_ready()
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from fraud.pipeline import scoring, velocity
    from fraud.pipeline.context import RiskContext
    from fraud.services import assess, assessment_record, blocklist_add, velocity_record

    users = [
        User.objects.get_or_create(email=f"bench-fraud-{index}@example.com", defaults={"name": "bench"})[0]
        for index in range(50)
    ]
    for index in range(200):
        blocklist_add(list_kind="card_fingerprint", value=f"fp_blocked_{index}")
    rng = random.Random(1)

    def context() -> RiskContext:
        owner = rng.choice(users)
        return RiskContext(
            operation=rng.choice(["payment", "payment", "transfer", "payout"]),
            user_id=owner.pk,
            account_created=owner.created,
            email=owner.email,
            amount=rng.randint(100, 500_000),
            currency=rng.choice(["usd", "eur", "gbp"]),
            ip=f"100.{rng.randint(64, 71)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            card_fingerprint=f"fp_{rng.randrange(500)}",
            card_brand="visa",
            card_country=rng.choice(["us", "gb", "de"]),
            card_bin="424242",
            card_last4="4242",
        )

    contexts = [context() for _ in range(arguments.iterations)]
    for warm in contexts[:50]:
        assess(context=warm)

    assess_samples = []
    for item in contexts:
        started = time.perf_counter()
        assess(context=item)
        assess_samples.append(time.perf_counter() - started)

    overhead_samples = []
    for index, item in enumerate(contexts):
        started = time.perf_counter()
        assessment = assess(context=item)
        velocity_record(context=item, declined=assessment.blocked)
        with transaction.atomic():
            assessment_record(context=item, assessment=assessment, object_type="benchmark", object_id=f"b_{index}")
        overhead_samples.append(time.perf_counter() - started)

    features = scoring.features_from_signals(assessment.signals)
    model = scoring.risk_model_active()
    score_samples = []
    for _ in range(arguments.iterations):
        started = time.perf_counter()
        scoring.score(model, features)
        score_samples.append(time.perf_counter() - started)

    print(
        f"Fraud assessment benchmark: {arguments.iterations} iterations, model {model['version']}, "
        f"{timezone.now():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores"
    )
    report("assess() (lists + Redis velocity + rules + score)", assess_samples)
    report("per confirm: assess + velocity_record + log row", overhead_samples)
    report("model score alone (plain Python, JSON weights)", score_samples)

    if arguments.confirms:
        confirm_overhead(arguments.confirms)

    from fraud.models import AssessmentRecord

    AssessmentRecord.objects.filter(object_type="benchmark").delete()
    client = velocity.velocity_client().redis
    keys = list(client.scan_iter(match="fraud:*", count=1000))
    if keys:
        client.delete(*keys)
    print(
        "Rerun: DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_fraud_bench "
        "REDIS_URL=redis://127.0.0.1:6379/6 .venv/bin/python benchmarks/fraud_assess.py "
        f"--iterations {arguments.iterations} --confirms {arguments.confirms}"
    )


def confirm_overhead(confirms: int) -> None:
    """Create-and-confirm latency with screening off (stubbed), with FRAUD_CHECKS=[], and with the defaults."""
    import contextlib
    import datetime as dt
    from unittest import mock

    from django.conf import settings
    from django.utils import timezone

    from accounts.models import User
    from fraud import conf as fraud_conf
    from fraud.pipeline.context import Assessment
    from fraud.services import allowlist_add
    from payments.sandbox.traffic import simulated_card_number
    from payments.services import confirm, intents
    from payments.services.methods import payment_method_create
    from wallets.models import Wallet
    from wallets.services import wallet_create

    settings.PAYMENT_CONNECTORS = {
        "simulator_a": {"class": "payments.sandbox.connector.SimulatorConnector", "options": {"latency_ms": 0}}
    }
    settings.PAYMENT_ROUTING = {"*": [{"connector": "simulator_a"}]}
    payers = []
    for index in range(100):
        user, _ = User.objects.get_or_create(
            email=f"bench-payer-{index}@example.com",
            defaults={"name": "bench", "created": timezone.now() - dt.timedelta(days=400)},
        )
        wallet = Wallet.objects.filter(user=user, currency="usd").first() or wallet_create(user=user, currency="usd")
        number = simulated_card_number(card_bin="424242", fingerprint=f"bench-card-{index}")
        method = payment_method_create(user=user, number=number, exp_month=12, exp_year=2040, cvc="123")
        allowlist_add(list_kind="card_fingerprint", value=method.fingerprint, reason="benchmark")
        payers.append((user, wallet.public_id, method.public_id))
    authorized = Assessment("authorized", "normal", 0, [], None, {})
    default_checks = fraud_conf.checks()

    def off():
        return mock.patch.multiple(
            confirm,
            assess=lambda context: authorized,
            assessment_record=lambda **kwargs: None,
            velocity_record=lambda **kwargs: None,
        )

    modes = {"screening off (stubbed)": (off, None), "FRAUD_CHECKS=[]": (None, []), "default checks": (None, None)}
    samples: dict[str, list[float]] = {name: [] for name in modes}
    outcomes: dict[str, set] = {name: set() for name in modes}
    rng = random.Random(2)
    serial = 0
    # One confirm per mode per round, in a shuffled order: the machine's drift hits every mode alike,
    # and each round gives a paired difference against "off".
    for _ in range(confirms):
        order = list(modes)
        rng.shuffle(order)
        for name in order:
            patcher, checks = modes[name]
            settings.FRAUD_CHECKS = default_checks if checks is None else checks
            with patcher() if patcher else contextlib.nullcontext():
                user, wallet, method = payers[serial % len(payers)]
                serial += 1
                started = time.perf_counter()
                intent = intents.payment_intent_create(
                    user=user,
                    amount=1_000 + serial % 5_000,
                    currency="usd",
                    wallet=wallet,
                    payment_method=method,
                    confirm=True,
                    ip="100.64.1.1",
                )
                samples[name].append(time.perf_counter() - started)
                outcomes[name].add((str(intent.status), (intent.outcome or {}).get("type")))
    settings.FRAUD_CHECKS = default_checks
    print(f"Create-and-confirm in-process, {confirms} rounds (one confirm per mode per round, shuffled):")
    for name, values in samples.items():
        report(f"confirm, {name}", values)
    base = samples["screening off (stubbed)"]
    for name in ("FRAUD_CHECKS=[]", "default checks"):
        diffs = [with_ - without for with_, without in zip(samples[name], base, strict=True)]
        print(
            f"  added by screening, {name:16} median of paired differences {statistics.median(diffs) * 1000:+6.2f} ms"
            f"   difference of means {(statistics.mean(samples[name]) - statistics.mean(base)) * 1000:+6.2f} ms"
        )
    print(f"  outcomes: { {name: sorted(map(str, seen)) for name, seen in outcomes.items()} }")


if __name__ == "__main__":
    main()
