"""Velocity counters under concurrency, against real Redis."""

import pytest

from fraud.pipeline.velocity import velocity_read, velocity_write
from payments_platform.tests.support import run_in_threads


def test_concurrent_attempts_are_all_counted_exactly(db):
    threads_count, per_thread = 16, 25

    def attempt(thread_index: int):
        for number in range(per_thread):
            velocity_write(
                user_id=42,
                card_fingerprint=f"fp_{thread_index % 4}",
                ip="192.0.2.1",
                amount_usd_cents=100,
                declined=number % 5 == 0,
            )

    run_in_threads(threads_count, attempt)
    snapshot = velocity_read(user_id=42, card_fingerprint="fp_0", ip="192.0.2.1")
    total = threads_count * per_thread
    assert snapshot.counters["user_attempts_1m"] == total
    assert snapshot.counters["user_amount_usd_24h"] == total * 1.0
    assert snapshot.counters["user_declines_1h"] == total // 5
    assert snapshot.counters["ip_attempts_1h"] == total
    assert snapshot.counters["card_attempts_1h"] == total // 4
    assert snapshot.user_distinct_cards_24h == 4
    assert snapshot.history.count == total - total // 5


@pytest.mark.parametrize("dimension", ["card", "ip"])
def test_an_absent_card_or_ip_has_no_counters(db, dimension):
    velocity_write(user_id=7, card_fingerprint=None, ip=None, amount_usd_cents=500, declined=False)
    snapshot = velocity_read(user_id=7, card_fingerprint=None, ip=None)
    assert snapshot.counters["user_attempts_1m"] == 1
    assert not any(name.startswith(dimension) for name in snapshot.counters)
