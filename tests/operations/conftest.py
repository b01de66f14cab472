from payments_platform.tests.conftest import log_lines  # noqa: F401 - the fixture, shared
