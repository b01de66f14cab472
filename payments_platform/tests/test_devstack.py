"""`python -m payments_platform.devstack`: real embedded servers, started, reused, recovered and stopped.

Every test gives the devstack a data folder of its own (PP_DATA_DIR under tmp_path), so nothing
here touches the project's `.data/`. A test that is about the devstack's mechanics, not about one
server, embeds only Valkey (it starts in milliseconds) and hands the devstack the session's
PostgreSQL and NATS as configured URLs.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from payments_platform import devstack

ROOT = Path(__file__).resolve().parents[2]
ALL = ("postgres", "valkey", "nats")
PRINT_URLS = "import os; print(os.environ['DATABASE_URL'], os.environ['REDIS_URL'], os.environ['NATS_URL'])"
USE_ALL = (
    "import os, socket, psycopg, redis\n"
    "with psycopg.connect(os.environ['DATABASE_URL'].replace('postgres://', 'postgresql://')) as c:\n"
    "    print(c.execute('SHOW server_version').fetchone()[0].split('.')[0])\n"
    "print(redis.Redis.from_url(os.environ['REDIS_URL']).ping())\n"
    "host, port = os.environ['NATS_URL'].rsplit(':', 1)\n"
    "print(socket.create_connection(('127.0.0.1', int(port)), timeout=5).recv(4).decode())\n"
)


def environment(data: Path, embedded: tuple[str, ...]) -> dict:
    """The test session's environment with the URLs of `embedded` removed, so the devstack starts those."""
    env = {**os.environ, "PP_DATA_DIR": str(data)}
    for name in embedded:
        env.pop(devstack.ENV_VARS[name])
    return env


def devstack_run(data: Path, code: str, *, embedded=ALL, timeout: float = 180, **extra) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "payments_platform.devstack", "run", "--", sys.executable, "-c", code]
    return subprocess.run(
        argv, cwd=ROOT, env={**environment(data, embedded), **extra}, capture_output=True, text=True, timeout=timeout
    )


def state(data: Path, name: str) -> dict:
    return json.loads((data / f"{name}.json").read_text())


@pytest.fixture
def data():
    """A data folder for the devstack; whatever runs in it at the end is stopped (`clean`).

    Under the project's `.data/`, not tmp_path: as root, the embedded PostgreSQL runs as an
    unprivileged user, who cannot enter pytest's private (0700) temporary folders.
    """
    folder = ROOT / ".data" / "devstack-tests" / uuid.uuid4().hex[:12]
    folder.parent.mkdir(parents=True, exist_ok=True)
    yield folder
    if folder.exists():
        subprocess.run(
            [sys.executable, "-m", "payments_platform.devstack", "clean"],
            cwd=ROOT,
            env={**os.environ, "PP_DATA_DIR": str(folder)},
            capture_output=True,
            timeout=120,
        )


def test_run_starts_postgresql_18_valkey_and_nats_and_gives_their_urls_to_the_command(data):
    result = devstack_run(data, USE_ALL)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["18", "True", "INFO"]
    assert f"embedded data in {data}" in result.stderr


def test_run_stops_the_servers_it_started_when_the_command_ends(data):
    result = devstack_run(data, PRINT_URLS)

    assert result.returncode == 0, result.stderr
    for name in ALL:
        assert "pid" not in state(data, name)
    database, cache, nats = result.stdout.split()
    assert devstack.postgres_answers(database) is not None
    assert devstack.redis_answers(cache) is not None
    assert devstack.nats_answers(nats) is not None


def test_a_second_run_finds_the_data_of_the_first(data):
    connect = "import os, psycopg\nwith psycopg.connect(os.environ['DATABASE_URL']) as c: "
    write, read = connect + "c.execute('CREATE TABLE kept (n int)')", connect + "c.execute('SELECT * FROM kept')"
    assert devstack_run(data, write, embedded=("postgres",)).returncode == 0

    result = devstack_run(data, read, embedded=("postgres",))

    assert result.returncode == 0, result.stderr
    assert "initdb" not in result.stderr


def test_the_command_exit_status_is_the_run_exit_status(data):
    result = devstack_run(data, "raise SystemExit(7)", embedded=("valkey",))

    assert result.returncode == 7


def test_a_configured_url_that_does_not_answer_is_an_error_and_nothing_is_started(data):
    result = devstack_run(
        data, PRINT_URLS, embedded=("valkey", "nats"), DATABASE_URL="postgres://postgres@127.0.0.1:1/x"
    )

    assert result.returncode == 2
    assert "DATABASE_URL=postgres://postgres@127.0.0.1:1/x is set but does not answer" in result.stderr
    assert not data.exists()


def test_a_configured_url_is_used_as_it_is_and_no_server_is_started_for_it(data):
    result = devstack_run(data, PRINT_URLS, embedded=("valkey",))

    assert result.returncode == 0, result.stderr
    database, _, nats = result.stdout.split()
    assert (database, nats) == (os.environ["DATABASE_URL"], os.environ["NATS_URL"])
    assert not (data / "postgres").exists()
    assert not (data / "nats").exists()


def test_a_run_next_to_a_running_one_reuses_its_servers_and_leaves_them_running(data):
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "payments_platform.devstack",
            "run",
            "--",
            sys.executable,
            "-c",
            PRINT_URLS + "; input()",
        ],
        cwd=ROOT,
        env=environment(data, ("valkey",)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        first_urls = first.stdout.readline().split()

        second = devstack_run(data, PRINT_URLS, embedded=("valkey",))

        assert second.returncode == 0, second.stderr
        assert second.stdout.split() == first_urls
        assert "reusing the running server" in second.stderr
        assert devstack.redis_answers(first_urls[1]) is None
    finally:
        first.communicate("\n", timeout=60)
    assert devstack.redis_answers(first_urls[1]) is not None


def _run_in_background(data: Path, embedded=ALL) -> tuple[subprocess.Popen, dict]:
    """A `run` of a long command in a process group of its own, as `make run` in a terminal; its urls."""
    process = subprocess.Popen(
        [sys.executable, "-m", "payments_platform.devstack", "run", "--", sys.executable, "-c",
         PRINT_URLS + "; import time; time.sleep(600)"],
        cwd=ROOT,
        env=environment(data, embedded),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )  # fmt: skip
    urls = process.stdout.readline().split()
    assert urls, "the run did not start"
    return process, dict(zip(("postgres", "valkey", "nats"), urls, strict=True))


def test_after_kill_9_of_the_whole_run_and_of_its_servers_the_next_run_recovers_by_itself(data):
    process, _ = _run_in_background(data)
    pids = {name: state(data, name)["pid"] for name in ALL}
    os.killpg(process.pid, signal.SIGKILL)
    for pid in pids.values():
        os.kill(pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert (data / "postgres" / "postmaster.pid").exists()  # stale, as after a power cut

    result = devstack_run(data, USE_ALL)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["18", "True", "INFO"]
    assert "is gone; starting a new one" in result.stderr


def test_after_kill_9_of_the_whole_run_the_next_run_adopts_the_servers_left_running_and_stops_them(data):
    process, urls = _run_in_background(data, embedded=("valkey", "nats"))
    pids = {name: state(data, name)["pid"] for name in ("valkey", "nats")}
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    result = devstack_run(data, PRINT_URLS, embedded=("valkey", "nats"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1:] == [urls["valkey"], urls["nats"]]
    assert not any(devstack.process_alive(pid) for pid in pids.values())


def test_a_stale_postmaster_pid_naming_a_live_unrelated_process_is_removed(data):
    assert devstack_run(data, "pass", embedded=("postgres",)).returncode == 0
    pid_file = data / "postgres" / "postmaster.pid"
    pid_file.write_text(f"{os.getpid()}\n{data / 'postgres'}\n")  # a reused pid: this test's own

    result = devstack_run(data, USE_ALL, embedded=("postgres",))

    assert result.returncode == 0, result.stderr
    assert f"removed the stale {pid_file}" in result.stderr


def test_a_port_taken_since_the_last_run_makes_the_run_choose_another(data):
    assert devstack_run(data, "pass", embedded=("valkey",)).returncode == 0
    previous = state(data, "valkey")["port"]
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", previous))
        squatter.listen()

        result = devstack_run(data, PRINT_URLS, embedded=("valkey",))

    assert result.returncode == 0, result.stderr
    assert f"port {previous} of the last run is taken by another program" in result.stderr
    assert state(data, "valkey")["port"] != previous


@contextlib.contextmanager
def read_only(folder: Path):
    """`folder` made read-only: a read-only bind mount as root (root ignores file modes), else chmod."""
    folder.mkdir(parents=True)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "--bind", folder, folder], capture_output=True)
    if mounted.returncode:
        pytest.skip(f"root here cannot bind-mount ({mounted.stderr.decode().strip()}), so nothing is read-only")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", folder], check=True, capture_output=True)
        yield
    finally:
        subprocess.run(["umount", folder], check=True, capture_output=True)


def test_a_read_only_project_folder_is_a_clear_error(tmp_path):
    project = tmp_path / "project"
    with read_only(project):
        result = devstack_run(project / ".data", PRINT_URLS, embedded=("valkey",))

    assert result.returncode == 2
    assert f"cannot write the embedded servers' data folder {project / '.data'}" in result.stderr
    assert "set DATABASE_URL, REDIS_URL and NATS_URL" in result.stderr


def test_sigterm_to_the_run_stops_the_command_then_the_servers(data):
    process, urls = _run_in_background(data, embedded=("valkey",))
    valkey = state(data, "valkey")["pid"]

    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    assert not devstack.process_alive(valkey)
    assert devstack.redis_answers(urls["valkey"]) is not None


def test_clean_stops_the_servers_and_deletes_the_data_folder(data):
    process, _ = _run_in_background(data, embedded=("valkey",))
    valkey = state(data, "valkey")["pid"]

    result = subprocess.run(
        [sys.executable, "-m", "payments_platform.devstack", "clean"],
        cwd=ROOT,
        env={**os.environ, "PP_DATA_DIR": str(data)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    assert result.returncode == 0, result.stderr
    assert not data.exists()
    assert not devstack.process_alive(valkey)


def test_two_test_sessions_at_once_get_servers_of_their_own_deleted_at_the_end(tmp_path):
    environ = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "NATS_URL")}
    first, second = devstack.EphemeralStack(tmp_path), devstack.EphemeralStack(tmp_path)
    try:
        first_env, second_env = first.up(environ), second.up(environ)

        assert first_env["REDIS_URL"] != second_env["REDIS_URL"]
        assert first_env["NATS_URL"] != second_env["NATS_URL"]
        assert devstack.redis_answers(first_env["REDIS_URL"]) is None
    finally:
        first.down()
        second.down()
    assert list((tmp_path / "test").iterdir()) == []


def test_a_killed_test_session_leaves_servers_that_the_next_session_stops_and_deletes(tmp_path):
    code = (
        "import os, sys, time; from payments_platform import devstack\n"
        "s = devstack.EphemeralStack(__import__('pathlib').Path(sys.argv[1])); s.up()\n"
        "print(s.folder, flush=True); time.sleep(600)"
    )
    killed = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=ROOT,
        env=environment(tmp_path, ("valkey",)),
        stdout=subprocess.PIPE,
        text=True,
    )
    folder = Path(killed.stdout.readline().strip())
    orphan = state(folder, "valkey")["pid"]
    killed.kill()
    killed.wait(timeout=30)

    next_session = devstack.EphemeralStack(tmp_path)
    next_session.up({key: value for key, value in os.environ.items() if key != "REDIS_URL"})
    next_session.down()

    assert not folder.exists()
    assert not devstack.process_alive(orphan)


def test_when_one_server_fails_to_start_the_others_started_beside_it_are_stopped(data):
    (data / "postgres").mkdir(parents=True)
    (data / "postgres" / "PG_VERSION").write_text("99\n")  # a cluster no PostgreSQL 18 starts

    result = devstack_run(data, "print('ran')")

    assert result.returncode == 2
    assert "ran" not in result.stdout
    assert "PostgreSQL did not start" in result.stderr
    assert "pid" not in state(data, "valkey")
    assert "pid" not in state(data, "nats")
