"""The CPU cost of the metric calls one `POST /v1/transfers` makes, in gunicorn's multiprocess mode.

A transfer request makes three calls: `request_observed` (a counter and a histogram),
`fraud_decision_counted` and `transfer_counted` (counters, after commit). This counts the values
they write to the memory-mapped files (PROMETHEUS_MULTIPROC_DIR set, as under gunicorn), times each
call and the three together (the median of `--repeats` runs of `--requests` requests, outside a
transaction), and prints microseconds per request. Compare with the request's latency
(benchmarks/api_transfers.py) or a worker's profile (docs/observability.md).

    .venv/bin/python benchmarks/metrics_calls.py [--requests 20000] [--repeats 5]
"""

import argparse
import os
import statistics
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="pp-prometheus-bench-")

from benchmarks.support import benchmark_environment  # noqa: E402

benchmark_environment(database="pp_transfers_bench", redis_db=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    import django

    django.setup()
    from prometheus_client import mmap_dict

    from payments_platform.observability import metrics

    calls = {
        "request_observed (counter + histogram)": lambda: metrics.request_observed(
            route="v1/transfers$", method="POST", status=201, seconds=0.02
        ),
        "fraud_decision_counted (counter, on commit)": lambda: metrics.fraud_decision_counted(
            operation="transfer", outcome="authorized"
        ),
        "transfer_counted (counter, on commit)": lambda: metrics.transfer_counted(outcome="authorized"),
    }

    def one_request() -> None:
        for call in calls.values():
            call()

    one_request()  # bind the children and open the files
    writes = [0]
    write_value = mmap_dict.MmapedDict.write_value

    def counting_write_value(self, *arguments, **keywords):
        writes[0] += 1
        return write_value(self, *arguments, **keywords)

    mmap_dict.MmapedDict.write_value = counting_write_value
    one_request()
    mmap_dict.MmapedDict.write_value = write_value
    print(f"values written to the multiprocess files by one transfer request: {writes[0]}")

    def microseconds(function) -> float:
        runs = timeit.repeat(function, number=args.requests, repeat=args.repeats)
        return statistics.median(runs) / args.requests * 1e6

    for name, call in calls.items():
        print(f"  {name:46} {microseconds(call):6.1f} µs")
    print(f"metric calls of one POST /v1/transfers (multiprocess mode): {microseconds(one_request):.1f} µs")
    print(f"Rerun: .venv/bin/python benchmarks/metrics_calls.py --requests {args.requests} --repeats {args.repeats}")


if __name__ == "__main__":
    main()
