"""One embedded server: its data folder, log, start, readiness and stop (the base of each kind)."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from payments_platform.devstack.base import LABELS, START_TIMEOUT_SECONDS, DevstackError, process_mentions, stop_process


@dataclass
class Server:
    """One embedded server with its data in `folder`; `fast` trades durability for speed (tests)."""

    name: str
    folder: Path
    fast: bool = False
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.folder.parent / f"{self.name}.log"

    def url(self, port: int) -> str:
        raise NotImplementedError

    def prepare(self) -> None:
        """Create the data folder on first use (idempotent); clear what a killed server left."""
        self.folder.mkdir(parents=True, exist_ok=True)

    def spawn(self, port: int) -> int:
        """Start the server on `port`; return its pid once it answers (DevstackError otherwise)."""
        raise NotImplementedError

    def answers(self, port: int) -> bool:
        raise NotImplementedError

    def owns(self, pid: int | None) -> bool:
        return process_mentions(pid, str(self.folder))

    def stop(self, pid: int) -> None:
        stop_process(pid)

    def after_start(self, port: int) -> None:
        """Work that needs the server up (PostgreSQL: the application's database)."""

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _popen(self, argv: list[str], **kwargs) -> subprocess.Popen:
        with open(self.log_path, "ab") as log_file:
            # Its own session: a Ctrl-C meant for the app (its process group) must not stop the
            # server under it; `run` stops the servers itself once the app has exited.
            return subprocess.Popen(  # noqa: S603 - our own binaries, argv built here
                argv,
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **kwargs,
            )

    def _wait_ready(self, process: subprocess.Popen, port: int) -> int:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise DevstackError(
                    f"{LABELS[self.name]} exited at start (code {process.returncode}); log {self.log_path}:\n"
                    + self.log_tail()
                )
            if self.answers(port):
                return process.pid
            time.sleep(0.05)
        stop_process(process.pid)
        raise DevstackError(
            f"{LABELS[self.name]} did not answer within {START_TIMEOUT_SECONDS:.0f} s; log:\n" + self.log_tail()
        )
