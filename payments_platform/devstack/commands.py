"""The command line: `run -- CMD`, `status`, `clean`, `migrate` (python -m payments_platform.devstack)."""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys

from payments_platform.devstack.base import LABELS, SERVICES, DevstackError, data_dir, log
from payments_platform.devstack.migrations import migrate
from payments_platform.devstack.stack import Stack


def run(command: list[str]) -> int:
    """Run `command` with the URLs set; stop the servers this started when it ends."""
    if not command:
        raise DevstackError("nothing to run: python -m payments_platform.devstack run -- COMMAND [ARGS...]")
    stack = Stack()
    environ = stack.up()
    child: subprocess.Popen | None = None

    def forward(signum, frame):
        # A terminal's Ctrl-C reaches the child too (same process group); a signal sent to this
        # process only (kill, systemd) is passed on, and the servers are stopped once it exits.
        if child is not None and child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM if signum == signal.SIGHUP else signum)

    previous = {signum: signal.signal(signum, forward) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        if stack.acquired:
            log(f"embedded data in {stack.folder} (reset with `make clean-data`)")
        try:
            child = subprocess.Popen(command, env=environ)  # noqa: S603 - the developer's own command
        except OSError as error:
            raise DevstackError(f"cannot run {command[0]}: {error.strerror}") from error
        status = child.wait()
        return 128 - status if status < 0 else status  # killed by a signal: 128 + its number, as a shell says
    finally:
        if child is not None and child.poll() is None:
            child.wait()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        stack.down()


def status() -> int:
    stack = Stack()
    for name in SERVICES:
        state = stack.read_state(name)
        server = stack.server(name)
        if state and server.owns(state.get("pid")):
            users = ", ".join(str(user[0]) for user in stack.live_users(state)) or "none"
            print(f"{LABELS[name]}: running, {server.url(state['port'])} (pid {state['pid']}; used by {users})")
        else:
            print(f"{LABELS[name]}: not running")
    print(f"data: {stack.folder}")
    return 0


def clean() -> int:
    """Stop every embedded server of the data folder and delete it."""
    folder = data_dir()
    if folder.exists():
        Stack(folder).stop_all()
        shutil.rmtree(folder)
        log(f"deleted {folder}")
    return 0


USAGE = "usage: python -m payments_platform.devstack {run -- COMMAND [ARGS...] | status | clean | migrate}"
COMMANDS = {"status": status, "clean": clean, "migrate": migrate}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("run", *COMMANDS):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        if argv[0] == "run":
            rest = argv[1:]
            return run(rest[1:] if rest[:1] == ["--"] else rest)
        return COMMANDS[argv[0]]()
    except DevstackError as error:
        log(f"error: {error}")
        return 2
