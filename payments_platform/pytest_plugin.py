"""pytest plugin (`-p payments_platform.pytest_plugin`, set in pyproject.toml): the servers for the session.

For each of DATABASE_URL, REDIS_URL and NATS_URL that is unset, a private embedded server is
started for this session only (`devstack.EphemeralStack`, under `.data/test/`), before Django's
settings are loaded, and stopped and deleted when the session ends. Two sessions at once each
have their own. A URL that is set (CI, or the engineer's own services) is checked instead, and
the session stops with a clear message when its server does not answer.
"""

import os

import pytest

from payments_platform import devstack


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser, args) -> None:
    """Before pytest-django reads the settings (its own hook of the same name runs after this one)."""
    if early_config.option.help or early_config.option.version:
        return
    stack = devstack.EphemeralStack()
    try:
        environ = stack.up()
    except devstack.DevstackError as error:
        raise pytest.UsageError(f"the test servers: {error}") from error
    early_config.add_cleanup(stack.down)
    for name in devstack.SERVICES:
        variable = devstack.ENV_VARS[name]
        os.environ[variable] = environ[variable]
    early_config.stash[_STARTED] = list(stack.acquired)


_STARTED = pytest.StashKey[list]()


def pytest_report_header(config: pytest.Config) -> list[str]:
    started = config.stash.get(_STARTED, [])
    lines = []
    for name in devstack.SERVICES:
        origin = "embedded, this session only" if name in started else "configured"
        lines.append(f"{devstack.ENV_VARS[name]}: {devstack.redact(os.environ[devstack.ENV_VARS[name]])} ({origin})")
    return lines
