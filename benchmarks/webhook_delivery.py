"""Webhook delivery throughput: deliveries per second from one worker and from four.

Each run queues N deliveries (one event each, to one endpoint), starts a local HTTP
receiver in its own process (a threaded `http.server`, answering 200 with keep-alive),
then runs worker processes (`run_workers(once=True)`, the code behind
`manage.py run_webhook_worker --once`) until every delivery has succeeded. It reports
deliveries per second for 1 worker process and for 4, each with `--concurrency` threads.
Everything is real: PostgreSQL claims with FOR UPDATE SKIP LOCKED, signing, httpx over
loopback, attempt records.

The script uses its own database (default pp_webhooks_bench), migrates it and empties
the webhooks tables before each run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_webhooks_bench \\
        .venv/bin/python benchmarks/webhook_delivery.py [--deliveries 2000] [--concurrency 4]
"""

import argparse
import multiprocessing
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support import benchmark_environment, database_ready  # noqa: E402 - after the path setup

benchmark_environment(database="pp_webhooks_bench", redis_db=10)
os.environ["WEBHOOK_ALLOW_PRIVATE_URLS"] = "true"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid the 40 ms delayed-ACK stall

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def _serve(port_queue) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    port_queue.put(server.server_address[1])
    server.serve_forever()


def _queue(count: int, url: str) -> None:
    from django.db import connection, transaction

    from accounts.models import User
    from webhooks.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
    from webhooks.services import endpoint_create, event_record

    WebhookAttempt.objects.all().delete()
    WebhookDelivery.objects.all().delete()
    Event.objects.all().delete()
    WebhookEndpoint.objects.all().delete()
    user, _ = User.objects.get_or_create(email="bench-webhooks@example.com")
    endpoint_create(user=user, url=url, enabled_events=["*"])
    with transaction.atomic():
        for index in range(count):
            event_record(user=user, event_type="transfer.created", data_object={"id": f"tr_{index}", "amount": 100})
    connection.close()


def _work(concurrency: int, barrier) -> None:
    import django

    django.setup()
    from webhooks.worker import run_workers

    barrier.wait()  # the clock starts when every worker process has started Django
    run_workers(concurrency=concurrency, once=True)


def _run(processes: int, concurrency: int, count: int, url: str) -> float:
    from webhooks.models import WebhookDelivery

    _queue(count, url)
    barrier = multiprocessing.Barrier(processes + 1)
    workers = [multiprocessing.Process(target=_work, args=(concurrency, barrier)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    succeeded = WebhookDelivery.objects.filter(status="succeeded").count()
    if succeeded != count:
        raise SystemExit(f"only {succeeded} of {count} deliveries succeeded")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4, help="threads per worker process")
    args = parser.parse_args()

    database_ready()
    from django.db import connection

    connection.close()

    multiprocessing.set_start_method("spawn")
    port_queue = multiprocessing.Queue()
    receiver = multiprocessing.Process(target=_serve, args=(port_queue,), daemon=True)
    receiver.start()
    url = f"http://127.0.0.1:{port_queue.get(timeout=10)}/hook"

    print(f"webhook delivery: {args.deliveries} deliveries to a local receiver, {args.concurrency} threads per worker")
    print(f"cores: {os.cpu_count()}")
    for processes in (1, 4):
        elapsed = _run(processes, args.concurrency, args.deliveries, url)
        print(
            f"  {processes} worker(s) x {args.concurrency} threads: {args.deliveries / elapsed:8.0f} deliveries/s "
            f"({args.deliveries} in {elapsed:.2f} s)"
        )
    receiver.terminate()
    print(
        "rerun: DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_webhooks_bench "
        ".venv/bin/python benchmarks/webhook_delivery.py "
        f"--deliveries {args.deliveries} --concurrency {args.concurrency}"
    )


if __name__ == "__main__":
    main()
