"""The CPU cost of the metric calls one `POST /v1/transfers` makes, in gunicorn's multiprocess mode.

A transfer request makes three: `request_observed` (a counter and a histogram),
`fraud_decision_counted` and `transfer_counted` (counters, after commit). This times them with
PROMETHEUS_MULTIPROC_DIR set (memory-mapped files, as under gunicorn), outside a transaction, and
prints microseconds per request; compare with the request's latency (benchmarks/api_transfers.py).

    .venv/bin/python benchmarks/metrics_calls.py [--requests 20000]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="pp-prometheus-bench-")

from benchmarks.support import benchmark_environment  # noqa: E402

benchmark_environment(database="pp_transfers_bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    args = parser.parse_args()
    import django

    django.setup()
    from payments_platform.observability import metrics

    def one_request() -> None:
        metrics.request_observed(route="v1/transfers$", method="POST", status=201, seconds=0.02)
        metrics.fraud_decision_counted(operation="transfer", outcome="authorized")
        metrics.transfer_counted(outcome="authorized")

    for _ in range(1000):
        one_request()
    started = time.perf_counter()
    for _ in range(args.requests):
        one_request()
    per_request_us = (time.perf_counter() - started) / args.requests * 1e6
    print(f"metric calls of one POST /v1/transfers (multiprocess mode): {per_request_us:.1f} µs")
    print(f"Rerun: .venv/bin/python benchmarks/metrics_calls.py --requests {args.requests}")


if __name__ == "__main__":
    main()
