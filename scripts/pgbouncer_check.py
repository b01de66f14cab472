"""PgBouncer in transaction mode with our prepared statements (docs/operations.md#pgbouncer).

Starts Debian's pgbouncer on 127.0.0.1:$PGBOUNCER_PORT (default 18620), pool_mode=transaction,
a pool of 2 server connections in front of the database DATABASE_URL names, then runs, in a
child process per setting, 4 threads x 200 statements through `payments_platform.db.prepared_cursor`
(the cursor the ledger and the outbox use) with DATABASE_PREPARED_STATEMENTS=true and =false.
Prints, for each, how many statements failed and the first error. PgBouncer 1.21 and later
track protocol-level prepared statements (max_prepared_statements); older ones do not, so
every statement prepared on one server connection and run on another fails.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_i19 .venv/bin/python scripts/pgbouncer_check.py
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("PGBOUNCER_PORT", "18620"))
THREADS, STATEMENTS = 4, 200

CHILD = """
import threading, django
django.setup()
from django.db import connection
from payments_platform.db import prepared_cursor
errors, first = [], []
def run(index):
    for i in range(%(statements)d):
        try:
            with prepared_cursor() as cursor:
                cursor.execute("SELECT %%s::bigint + 1", [i])
                cursor.fetchone()
        except Exception as error:
            errors.append(1)
            first.append(f"{type(error).__name__}: {str(error).splitlines()[0]}")
            connection.close()
    connection.close()
threads = [threading.Thread(target=run, args=(n,)) for n in range(%(threads)d)]
[t.start() for t in threads]; [t.join() for t in threads]
print(f"{len(errors)} of %(total)d statements failed" + (f"; first: {first[0]}" if first else ""))
"""


def main() -> int:
    pgbouncer = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(pgbouncer).exists():
        print("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
        return 2
    version = subprocess.run([pgbouncer, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    url = urlparse(os.environ["DATABASE_URL"])
    database = url.path.lstrip("/")
    work = Path(tempfile.mkdtemp(prefix="pgbouncer-check-"))
    (work / "users.txt").write_text(f'"{url.username}" ""\n')
    (work / "pgbouncer.ini").write_text(
        f"[databases]\n{database} = host={url.hostname} port={url.port or 5432} dbname={database}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {PORT}\nauth_type = trust\n"
        f"auth_file = {work / 'users.txt'}\npool_mode = transaction\ndefault_pool_size = 2\n"
        f"max_client_conn = 100\nunix_socket_dir =\nlogfile = {work / 'pgbouncer.log'}\npidfile = {work / 'pid'}\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    command = [pgbouncer, "-q", str(work / "pgbouncer.ini")]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root: drop to nobody
        work.chmod(0o777)
        command[1:1] = ["-u", "nobody"]
    server = subprocess.Popen(command)
    try:
        time.sleep(1)
        if server.poll() is not None:
            print(f"pgbouncer exited at start (status {server.returncode}):", (work / "pgbouncer.log").read_text())
            return 2
        print(f"{version}: pool_mode=transaction, 2 server connections, {THREADS} threads x {STATEMENTS} statements")
        for prepared in ("true", "false"):
            env = {
                **os.environ,
                "DATABASE_URL": f"postgres://{url.username}@127.0.0.1:{PORT}/{database}",
                "DATABASE_PREPARED_STATEMENTS": prepared,
                "DEBUG": "true",
                "LOG_LEVEL": "WARNING",
                "DJANGO_SETTINGS_MODULE": "payments_platform.settings",
            }
            code = CHILD % {"statements": STATEMENTS, "threads": THREADS, "total": THREADS * STATEMENTS}
            result = subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
            )
            print(f"  DATABASE_PREPARED_STATEMENTS={prepared}: {(result.stdout or result.stderr).strip()}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
