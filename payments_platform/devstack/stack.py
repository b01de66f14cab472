"""The embedded servers of one data folder, shared by every process that uses it, and a test session's own."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

from payments_platform.devstack.base import (
    ENV_VARS,
    LABELS,
    SERVICES,
    DevstackError,
    data_dir,
    free_port,
    log,
    port_free,
    process_alive,
    process_started,
)
from payments_platform.devstack.nats_server import Nats
from payments_platform.devstack.postgres import Postgres
from payments_platform.devstack.probes import check_configured
from payments_platform.devstack.server import Server
from payments_platform.devstack.valkey import Valkey

KINDS = {"postgres": Postgres, "valkey": Valkey, "nats": Nats}


class Stack:
    """The embedded servers of one data folder, shared by every process that uses it.

    `up()` starts or reuses a server for each unset URL and returns the environment to run
    with; `down()` gives this process's use back and stops the servers no live process uses.
    """

    fast = False

    def __init__(self, folder: Path | None = None, *, user_pid: int | None = None):
        self.folder = (folder or data_dir()).resolve()
        self.user_pid = user_pid or os.getpid()
        self.user_started = process_started(self.user_pid)
        self.acquired: list[str] = []

    # locking

    @contextlib.contextmanager
    def locked(self):
        self._ensure_folder()
        with open(self.folder / ".lock", "a+") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _ensure_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            probe = self.folder / f".write-probe-{os.getpid()}"
            probe.touch()
            probe.unlink()
        except OSError as error:
            raise DevstackError(
                f"cannot write the embedded servers' data folder {self.folder} ({error.strerror}). Make the "
                "project folder writable, point PP_DATA_DIR at a writable folder, or set DATABASE_URL, "
                "REDIS_URL and NATS_URL to servers that run."
            ) from error

    # state files

    def _state_path(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def read_state(self, name: str) -> dict | None:
        try:
            return json.loads(self._state_path(name).read_text())
        except (OSError, ValueError):
            return None

    def _write_state(self, name: str, state: dict) -> None:
        path = self._state_path(name)
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(state))
        temporary.replace(path)

    def server(self, name: str) -> Server:
        return KINDS[name](self.folder / name, fast=self.fast)

    # up and down

    def up(self, environ: dict | None = None) -> dict[str, str]:
        """The environment to run with: `environ` plus a URL for each service it leaves unset.

        A set URL is checked (DevstackError when its server does not answer) and kept.
        """
        environ = dict(os.environ if environ is None else environ)
        check_configured(environ)
        wanted = [name for name in SERVICES if not environ.get(ENV_VARS[name])]
        if not wanted:
            return environ
        with self.locked():
            urls, failure = self._acquire_all(wanted)
            for name in wanted:
                if name in urls:
                    environ[ENV_VARS[name]] = urls[name]
                    self.acquired.append(name)
            if failure is not None:
                self._release_all()
                raise failure
        return environ

    def _acquire_all(self, wanted: list[str]) -> tuple[dict[str, str], BaseException | None]:
        """Each server started (or reused) in a thread of its own, all at once: the URLs of those
        that started, and the first failure (a Ctrl-C while waiting counts as one).

        Returns only once every start has ended, so that no server is left running unaccounted for.
        """
        failure: BaseException | None = None
        pool = ThreadPoolExecutor(max_workers=len(wanted), thread_name_prefix="devstack")
        futures = {name: pool.submit(self._acquire, name) for name in wanted}
        try:
            wait(futures.values())
        except BaseException as error:  # noqa: BLE001 - a Ctrl-C while waiting: returned as the failure
            failure = error
        finally:
            pool.shutdown(wait=True)
        urls = {}
        for name, future in futures.items():
            error = future.exception()
            if error is None:
                urls[name] = future.result()
            elif failure is None:
                failure = error
        return urls, failure

    def live_users(self, state: dict) -> list[list]:
        return [user for user in state.get("users", []) if process_alive(user[0], user[1])]

    def _acquire(self, name: str) -> str:
        server = self.server(name)
        state = self.read_state(name)
        me = [self.user_pid, self.user_started]
        if state and server.owns(state.get("pid")):
            if self._wait_answering(server, state["port"]):
                users = [user for user in self.live_users(state) if user[0] != self.user_pid] + [me]
                self._write_state(name, {**state, "users": users})
                log(f"{LABELS[name]}: reusing the running server on 127.0.0.1:{state['port']}, data in {server.folder}")
                return server.url(state["port"])
            log(f"{LABELS[name]}: the server (pid {state['pid']}) does not answer; restarting it")
            server.stop(state["pid"])
        elif state and state.get("pid"):
            log(f"{LABELS[name]}: the recorded server (pid {state['pid']}) is gone; starting a new one")
        server.prepare()
        port = self._choose_port(name, state)
        for attempt in range(3):
            try:
                pid = server.spawn(port)
                break
            except DevstackError:
                if attempt == 2 or port_free(port):
                    raise
                taken, port = port, free_port()  # taken between the check and the start
                log(f"{LABELS[name]}: port {taken} was taken meanwhile; trying {port}")
        try:
            server.after_start(port)
        except BaseException:
            server.stop(pid)
            raise
        self._write_state(name, {"pid": pid, "port": port, "users": [me]})
        log(f"{LABELS[name]}: started on 127.0.0.1:{port} (pid {pid}), data in {server.folder}")
        return server.url(port)

    @staticmethod
    def _wait_answering(server: Server, port: int, timeout: float = 15.0) -> bool:
        """A server of ours that runs but does not answer yet may still be starting (recovery)."""
        deadline = time.monotonic() + timeout
        while not server.answers(port):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def _choose_port(self, name: str, state: dict | None) -> int:
        """The port of last time, so that the URLs stay the same between runs, unless it is taken."""
        previous = (state or {}).get("port")
        if previous and port_free(previous):
            return previous
        port = free_port()
        if previous:
            log(f"{LABELS[name]}: port {previous} of the last run is taken by another program; using {port}")
        return port

    def down(self) -> None:
        """Give back this process's use; stop each server that no other live process uses."""
        if not self.acquired:
            return
        with self.locked():
            self._release_all()

    def _release_all(self) -> None:
        """Each server in turn, the others still stopped if one fails."""
        failures = []
        for name in reversed(self.acquired):
            try:
                self._release(name)
            except Exception as error:  # noqa: BLE001 - reported after the others are stopped
                failures.append(f"{LABELS[name]}: {error}")
        self.acquired = []
        if failures:
            raise DevstackError("could not stop: " + "; ".join(failures))

    def _release(self, name: str) -> None:
        state = self.read_state(name)
        if not state:
            return
        users = [user for user in self.live_users(state) if user[0] != self.user_pid]
        if users:
            self._write_state(name, {**state, "users": users})
            log(f"{LABELS[name]}: left running for pid {', '.join(str(user[0]) for user in users)}")
            return
        server = self.server(name)
        if server.owns(state.get("pid")):
            server.stop(state["pid"])
        self._write_state(name, {"port": state.get("port")})  # the next run takes the same port if free
        log(f"{LABELS[name]}: stopped")

    def stop_all(self) -> None:
        """Stop every server of this folder, whoever uses it (`clean`)."""
        if not self.folder.exists():
            return
        with self.locked():
            for name in reversed(SERVICES):
                state = self.read_state(name)
                server = self.server(name)
                if state and server.owns(state.get("pid")):
                    server.stop(state["pid"])
                    log(f"{LABELS[name]}: stopped (pid {state['pid']})")
                self._state_path(name).unlink(missing_ok=True)
            # A test session's servers (EphemeralStack), if one runs now: stopped as well.
            for session in sorted((self.folder / "test").glob("*")):
                EphemeralStack.reap(session, even_if_running=True)


class EphemeralStack(Stack):
    """Private servers for one test session in `<data>/test/<session>/`, deleted by `down()`.

    The session holds an flock on its folder while it runs; a folder whose lock is free belongs
    to a session that ended or was killed, and the next session stops its servers and deletes it.
    """

    fast = True

    def __init__(self, root: Path | None = None):
        self.root = (root or data_dir()).resolve()
        super().__init__(self.root / "test" / f"{os.getpid()}-{uuid.uuid4().hex[:6]}")
        self._session_lock = None

    def up(self, environ: dict | None = None) -> dict[str, str]:
        environ = dict(os.environ if environ is None else environ)
        if all(environ.get(ENV_VARS[name]) for name in SERVICES):
            return super().up(environ)
        self._ensure_folder()
        self._session_lock = open(self.folder / ".session", "a+")  # noqa: SIM115 - held for the session
        fcntl.flock(self._session_lock, fcntl.LOCK_EX)
        for session in (self.root / "test").glob("*"):
            if session != self.folder:
                self.reap(session)
        return super().up(environ)

    def down(self) -> None:
        try:
            super().down()
        finally:
            if self._session_lock is not None:
                self._session_lock.close()
                self._session_lock = None
            shutil.rmtree(self.folder, ignore_errors=True)

    @classmethod
    def reap(cls, session: Path, *, even_if_running: bool = False) -> None:
        """Stop the servers of the session folder `session` and delete it, if its session is over."""
        try:
            lock_file = open(session / ".session", "a+")  # noqa: SIM115 - closed below
        except OSError:
            shutil.rmtree(session, ignore_errors=True)
            return
        with lock_file:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not even_if_running:
                    return  # a live session
            for name in SERVICES:
                try:
                    state = json.loads((session / f"{name}.json").read_text())
                except (OSError, ValueError):
                    continue
                server = KINDS[name](session / name, fast=True)
                if server.owns(state.get("pid")):
                    server.stop(state["pid"])
            shutil.rmtree(session, ignore_errors=True)
