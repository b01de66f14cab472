"""gunicorn settings; every value can be overridden with GUNICORN_* environment variables."""

import multiprocessing
import os
import tempfile

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
accesslog = None  # the app writes one structured access line per request
errorlog = "-"
limit_request_line = 8190
limit_request_fields = 100


# --- Prometheus multiprocess mode (docs/observability.md) ----------------------------------
# Each worker writes its counters to memory-mapped files in PROMETHEUS_MULTIPROC_DIR and
# GET /metrics sums them, so counts are right whatever the number of workers. The directory
# is emptied when the master starts (stale files would add old counts); a dead worker's live
# gauges are marked so they are dropped from the sum.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="pp-prometheus-")


def on_starting(server):
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
