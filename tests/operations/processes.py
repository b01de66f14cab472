"""Real processes for the operations tests: `manage.py` commands and `make serve`, on the test database."""

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 120  # a deadlock guard for slow shared machines, not a performance bound


def current_database_url() -> str:
    """The URL of the database this test runs on (the test database), for child processes."""
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or "5432"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{settings['USER']}{password}@{host}:{port}/{settings['NAME']}"


def child_environment(**overrides: str) -> dict[str, str]:
    """Development settings on the test database, JSON logs, and no NATS (so no shared stream is touched)."""
    return {
        **os.environ,
        "DATABASE_URL": current_database_url(),
        "DEBUG": "true",
        "HTTPS_ONLY": "false",
        "LOG_FORMAT": "json",
        "NATS_URL": "",
        "PYTHONUNBUFFERED": "1",
        **overrides,
    }


def wait_until(predicate, *, timeout: float = WAIT_SECONDS, poll: float = 0.2) -> None:
    """Poll `predicate` until it is true; fail after `timeout` seconds (a deadlock guard)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s")
        time.sleep(poll)


class Process:
    """A child process in its own process group whose output lines are collected as they come."""

    def __init__(self, args: list[str], *, env: dict[str, str]):
        self.popen = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    @classmethod
    def manage(cls, *args: str, env: dict[str, str]) -> "Process":
        return cls([sys.executable, "manage.py", *args], env=env)

    def _read(self) -> None:
        for line in self.popen.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, text: str, *, timeout: float = WAIT_SECONDS) -> str:
        """Block until a line containing `text` is printed; fail if the process ends or time runs out."""
        for line in self.lines:
            if text in line:
                return line
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line with {text!r} after {timeout} s:\n" + "".join(self.lines[-40:]))
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"process ended without printing {text!r}:\n" + "".join(self.lines[-40:]))
            self.lines.append(line)
            if text in line:
                return line

    def output(self) -> str:
        """Everything printed so far (drains what the reader has collected)."""
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)
        return "".join(self.lines)

    def signal_group(self, signum: int) -> None:
        os.killpg(self.popen.pid, signum)

    def wait(self, *, timeout: float = WAIT_SECONDS) -> int:
        return self.popen.wait(timeout=timeout)

    def group_alive(self) -> bool:
        try:
            os.killpg(self.popen.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def stop(self) -> None:
        """Kill the whole group if anything of it is left (test cleanup)."""
        if self.group_alive():
            self.signal_group(signal.SIGKILL)
        self.popen.wait(timeout=WAIT_SECONDS)
