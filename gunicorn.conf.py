"""gunicorn settings; every value can be overridden with GUNICORN_* environment variables."""

import multiprocessing
import os
import sys
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
# The master imports the app (Django, every app, the URLconf: payments_platform/wsgi.py) once and
# forks ready workers, instead of each worker importing it again: the API answers sooner and the
# workers share the imported code's memory. Safe with what the import leaves behind: no database
# connection (closed before each fork below, should one be open), redis-py, prometheus-client and
# OpenTelemetry's batch exporter all start afresh in a forked process. GUNICORN_PRELOAD_APP=false
# loads the app in each worker instead.
preload_app = os.environ.get("GUNICORN_PRELOAD_APP", "true").lower() not in ("false", "0", "no")


# --- Prometheus multiprocess mode (docs/observability.md) ----------------------------------
# Each worker writes its counters to memory-mapped files in PROMETHEUS_MULTIPROC_DIR and
# GET /metrics sums them, so counts are right whatever the number of workers. The directory
# is emptied when the master starts (stale files would add old counts; with preload_app the master
# has imported the app by then, and a file it made is its own: a forked worker writes files of its
# own pid); a dead worker's live gauges are marked so they are dropped from the sum.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="pp-prometheus-")
# Made here, not in on_starting: with preload_app the app's import already writes there.
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def on_starting(server):
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def pre_fork(server, worker):
    """A database connection the master opened would be shared by every worker it forks: close it."""
    if preload_app and "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
