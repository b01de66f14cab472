"""Generate labeled traffic with planted fraud patterns and run it through the fraud services."""

import datetime as dt
import secrets
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from fraud.sandbox.traffic import RUNNERS, TrafficGenerator


class Command(BaseCommand):
    help = (
        "Simulate N users over D days (legitimate activity plus card testing bursts, stolen cards across "
        "accounts and large payouts from new accounts), assess every attempt, count its velocity, and write "
        "the labeled feature log that train_risk_model learns from."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=500)
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--fraud-share", type=float, default=0.08, help="Share of users that are fraud groups.")
        parser.add_argument(
            "--mode",
            choices=sorted(RUNNERS),
            default="assess",
            help=(
                "assess: assess + velocity + feature log, no money moves. Other modes are registered by the apps "
                "that move money (register_runner), e.g. wallets: real transfers and payouts through wallets services."
            ),
        )

    def handle(self, *args, users: int, days: int, seed: int, fraud_share: float, mode: str, **options):
        if users < 10 or days < 1:
            raise CommandError("Use at least --users 10 and --days 1.")
        run_tag = secrets.token_hex(3)
        generator = TrafficGenerator(
            users=users, days=days, seed=seed, run_tag=run_tag, start=timezone.now() - dt.timedelta(days=days)
        )
        self.stdout.write(f"Generating {users} users over {days} days (run {run_tag}, seed {seed})...")
        attempts = generator.attempts(fraud_share=fraud_share)
        runner = RUNNERS[mode]
        patterns: Counter = Counter()
        outcomes: Counter = Counter()
        started = time.perf_counter()
        batch = 500
        for offset in range(0, len(attempts), batch):
            with transaction.atomic():
                for index, attempt in enumerate(attempts[offset : offset + batch], start=offset):
                    outcome = runner(attempt, index)
                    patterns[attempt.pattern] += 1
                    outcomes[(attempt.fraudulent, outcome)] += 1
            done = min(offset + batch, len(attempts))
            self.stdout.write(f"  {done}/{len(attempts)} attempts", ending="\r")
        elapsed = time.perf_counter() - started
        self.stdout.write("")
        self.stdout.write(f"Ran {len(attempts)} attempts in {elapsed:.1f} s ({len(attempts) / elapsed:.0f}/s).")
        for pattern, count in sorted(patterns.items()):
            self.stdout.write(f"  {pattern:20} {count}")
        for (fraudulent, outcome), count in sorted(outcomes.items()):
            self.stdout.write(f"  {'fraud' if fraudulent else 'legitimate':10} -> {outcome:14} {count}")
        self.stdout.write(self.style.SUCCESS("Labeled feature log written; next: python manage.py train_risk_model"))
