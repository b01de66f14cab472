"""What the benchmark scripts share: their environment and database, a free port, gunicorn under
production settings, percentiles and test card numbers."""

import dataclasses
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARK_SECRET_KEY = "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"


def benchmark_environment(*, database: str, redis_db: int | None = None) -> None:
    """Production-like settings for this process and the gunicorn it starts (DEBUG off, plain HTTP,
    warnings only), on the benchmark's own database and Redis db unless the environment names them."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "payments_platform.settings")
    os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}")
    if redis_db is not None:
        os.environ.setdefault("REDIS_URL", f"redis://127.0.0.1:6379/{redis_db}")
    os.environ.setdefault("SECRET_KEY", BENCHMARK_SECRET_KEY)
    os.environ["DEBUG"] = "false"
    os.environ["HTTPS_ONLY"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")


# FRAUD_CHECKS values the API benchmarks can run with: issue 16 measured "fraud screening on list
# checks only", and asks that the default checks cost at most 1.5x that.
FRAUD_CHECK_SETS = {"default": "", "lists": "fraud.pipeline.checks.lists"}


def use_fraud_checks(name: str) -> None:
    """Run this process and the gunicorn it starts with the FRAUD_CHECKS set `name` (before django.setup)."""
    if FRAUD_CHECK_SETS[name]:
        os.environ["FRAUD_CHECKS"] = FRAUD_CHECK_SETS[name]
    else:
        os.environ.pop("FRAUD_CHECKS", None)


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of `values` (NaN when there are none)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def luhn_complete(body: str) -> str:
    """`body` and the check digit that makes it a valid card number (payments.cards.luhn_valid)."""
    from payments.cards import luhn_valid

    return next(body + digit for digit in "0123456789" if luhn_valid(body + digit))


def seed_card_users(count: int, *, label: str, funding: int = 0) -> list[tuple[str, str, str]]:
    """`count` new users, each with a usd wallet (funded with `funding` through the ledger when above 0)
    and a visa payment method of its own (one card on many accounts is a fraud signal: a stolen card).
    Returns (wallet id, payment method id, bearer token) triples."""
    import random
    from datetime import date

    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User
    from payments.services import payment_method_create
    from wallets.services import wallet_adjust, wallet_create

    run = f"{int(time.time())}-{random.randrange(10**6)}"
    users = User.objects.bulk_create(
        [User(email=f"{label}-{run}-{index}@example.com", password="!") for index in range(count)]
    )
    offset = random.randrange(10**8)
    seeded = []
    for index, user in enumerate(users):
        wallet = wallet_create(user=user, currency="usd")
        if funding > 0:
            wallet_adjust(wallet=wallet, amount=funding, reason="benchmark funding")
        method = payment_method_create(
            user=user,
            number=luhn_complete(f"424242{offset + index:09d}"),
            exp_month=12,
            exp_year=date.today().year + 2,
            cvc="123",
        )
        seeded.append((wallet.public_id, method.public_id, str(RefreshToken.for_user(user).access_token)))
    return seeded


def create_database() -> None:
    """Create the database `DATABASE_URL` names, if missing (benchmarks never use the dev or test one)."""
    import psycopg
    from django.conf import settings

    database = settings.DATABASES["default"]
    with psycopg.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname="postgres", autocommit=True
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{database["NAME"]}"')


def database_ready() -> None:
    """The benchmark's own database created if missing (`create_database`), Django set up, and migrated."""
    import django
    from django.core.management import call_command

    create_database()
    django.setup()
    call_command("migrate", verbosity=0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    port: int,
    workers: int,
    extra_env: dict[str, str] | None = None,
    *,
    ready_seconds: float = 30,
    root: Path = ROOT,
) -> subprocess.Popen:
    """gunicorn with the project's config on 127.0.0.1:`port`; returns once /health answers
    (`ready_seconds` at most: 30 by default, more on a loaded machine). `root` is the checkout
    (and its .venv) to serve: another one compares two versions of the code."""
    import httpx

    env = {**os.environ, "PORT": str(port), "GUNICORN_WORKERS": str(workers), **(extra_env or {})}
    process = subprocess.Popen(
        [
            str(root / ".venv" / "bin" / "gunicorn"),
            "payments_platform.wsgi:application",
            "--config",
            str(root / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + ready_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"gunicorn did not answer /health within {ready_seconds:g} s")


@dataclasses.dataclass(frozen=True)
class Request:
    """One HTTP request of a load: `body` is JSON text, sent as application/json; `token` a bearer token."""

    method: str
    path: str
    token: str = ""
    body: str = ""


@dataclasses.dataclass(frozen=True)
class LoadResult:
    """What a load run saw: its measured seconds, the answers by status, latency over every answer."""

    seconds: float
    statuses: dict[int, int]
    p50_ms: float
    p99_ms: float
    mean_ms: float
    socket_errors: int = 0

    def rate(self, status: int) -> float:
        """Answers with `status` per second."""
        return self.statuses.get(status, 0) / self.seconds


LOADS = ("wrk", "python")


def default_load() -> str:
    """wrk when it is installed (issue 16's figures were measured with it), else the Python client."""
    return "wrk" if shutil.which("wrk") else "python"


def drive_requests(base_url: str, requests: list[Request], *, clients: int, seconds: float, warmup: float, load: str):
    """Send `requests` (in order, round the list) from `clients` keep-alive connections: `warmup`
    seconds unmeasured, then `seconds` measured. `load` is "wrk" (`benchmarks.wrk`) or "python"
    (threads with one httpx client each; it spends most of a core of a 2-core machine on itself)."""
    if load == "wrk":
        from benchmarks.wrk import wrk_run

        if warmup > 0:
            wrk_run(base_url, requests, connections=clients, seconds=warmup)
        return wrk_run(base_url, requests, connections=clients, seconds=seconds)
    return _python_load(base_url, requests, clients=clients, seconds=seconds, warmup=warmup)


def _python_load(base_url: str, requests: list[Request], *, clients: int, seconds: float, warmup: float) -> LoadResult:
    import threading

    import httpx

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    timing = {}

    def client(index: int) -> None:
        position = index * 7919 % len(requests)
        mine_latencies, mine_statuses = [], {}
        with httpx.Client(base_url=base_url, timeout=30) as http:
            start.wait()
            measure_from = timing["start"] + warmup
            stop_at = measure_from + seconds
            while (now := time.monotonic()) < stop_at:
                request = requests[position]
                position = (position + 1) % len(requests)
                headers = {"Authorization": f"Bearer {request.token}"} if request.token else {}
                if request.body:
                    headers["Content-Type"] = "application/json"
                began = time.perf_counter()
                response = http.request(request.method, request.path, content=request.body or None, headers=headers)
                elapsed = time.perf_counter() - began
                if now < measure_from:
                    continue  # warm-up: workers open their database connections
                mine_statuses[response.status_code] = mine_statuses.get(response.status_code, 0) + 1
                mine_latencies.append(elapsed)
        with lock:
            latencies.extend(mine_latencies)
            for status, count in mine_statuses.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    timing["start"] = time.monotonic()
    start.wait()
    for thread in threads:
        thread.join()
    return LoadResult(
        seconds=seconds,
        statuses=statuses,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        mean_ms=(sum(latencies) / len(latencies) * 1000) if latencies else float("nan"),
    )


def add_load_arguments(parser) -> None:
    """`--load` and `--fraud-checks`, shared by the API benchmarks (`use_fraud_checks` applies the second)."""
    parser.add_argument(
        "--load", choices=LOADS, default=default_load(), help="Load generator (default: wrk when installed)."
    )
    parser.add_argument(
        "--fraud-checks",
        choices=sorted(FRAUD_CHECK_SETS),
        default="default",
        help="FRAUD_CHECKS for gunicorn and this process: the defaults, or the list checks only (issue 16).",
    )


def measured_load(base_url: str, requests: list[Request], args, *, stored) -> tuple[LoadResult, int]:
    """`args.warmup` seconds of `requests`, then `args.seconds` measured (`args.clients`, `args.load`).
    Returns the measured run and how many objects `stored()` (a count in the database) gained beyond
    the warm-up's 201s: at least the measured run's 201s, plus the requests in flight at each stop."""
    before = stored()
    warmup = drive_requests(base_url, requests, clients=args.clients, seconds=args.warmup, warmup=0, load=args.load)
    result = drive_requests(base_url, requests, clients=args.clients, seconds=args.seconds, warmup=0, load=args.load)
    return result, stored() - before - warmup.statuses.get(201, 0)


def gained_check(what: str, gained: int, result: LoadResult, clients: int) -> str:
    """The line that checks the database gained one `what` per 201 of `result` (`measured_load`), and
    at most two per connection more: the requests in flight when the warm-up and the run stopped,
    answered but not counted."""
    created = result.statuses.get(201, 0)
    in_flight = 2 * clients
    consistent = created <= gained <= created + in_flight
    return f"  {what} the database gained: {gained:,} for {created:,} 201s (at most {in_flight} more): {consistent}"


def health_rate(base_url: str, clients: int, seconds: float, *, load: str) -> float:
    """`GET /health` answers per second from `clients` keep-alive connections: the same server's own
    ceiling, measured right after a path's run so that the two figures share the machine's state."""
    result = drive_requests(
        base_url, [Request("GET", "/health")], clients=clients, seconds=seconds, warmup=0.5, load=load
    )
    return result.rate(200)
