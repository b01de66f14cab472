"""The cost of representing a transfer and a payout: the API serializer's field-by-field path
(what a `POST /v1/transfers` ran twice, for the event and for the response, before issue 14)
against `wallets.representations` (what it runs once now).

In-process, no database query: the objects are built in memory. The script first checks that
both ways give the same dict, then times each (best of five rounds).

Rerun:
    .venv/bin/python benchmarks/wallets_representation.py [--calls 5000]
"""

import argparse
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.support import benchmark_environment  # noqa: E402 - after the path setup

benchmark_environment(database="pp_representation_bench", redis_db=1)  # settings need both; neither is used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5_000)
    calls = parser.parse_args().calls

    import django

    django.setup()
    from django.utils import timezone
    from rest_framework.serializers import ModelSerializer

    from wallets.models import Payout, Transfer, Wallet
    from wallets.representations import payout_representation, transfer_representation
    from wallets.serializers import PayoutOutput, TransferOutput

    now = timezone.now()
    outcome = {"type": "authorized", "risk_level": "normal", "risk_score": 3, "rules": [], "reason": None}
    source, destination = Wallet(public_id="wal_source"), Wallet(public_id="wal_destination")
    transfer = Transfer(
        public_id="tr_bench",
        source_wallet=source,
        destination_wallet=destination,
        amount=1_234,
        currency="usd",
        description="rent",
        metadata={"month": "may"},
        outcome=outcome,
        created=now,
    )
    payout = Payout(
        public_id="po_bench",
        wallet=source,
        amount=2_000,
        currency="usd",
        account_last4="6789",
        routing_number="110000000",
        outcome=outcome,
        arrival_date=now,
        created=now,
    )
    for name, serializer, represent, obj in [
        ("transfer", TransferOutput, transfer_representation, transfer),
        ("payout", PayoutOutput, payout_representation, payout),
    ]:

        def by_serializer(serializer=serializer, obj=obj):
            return dict(ModelSerializer.to_representation(serializer(), obj))

        def by_function(represent=represent, obj=obj):
            return represent(obj)

        assert by_serializer() == by_function(), name
        for way, call in [(f"{serializer.__name__} fields", by_serializer), (represent.__name__, by_function)]:
            best = min(timeit.repeat(call, number=calls, repeat=5)) / calls * 1e6
            print(f"{name:8} {way:26} {best:8.1f} µs per call (best of 5 rounds of {calls})")


if __name__ == "__main__":
    main()
