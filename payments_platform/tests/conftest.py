import io
import json
import logging

import pytest
import structlog


@pytest.fixture
def test_urls(settings):
    """Serve the real routes plus the test-only views of `payments_platform.tests.urls`."""
    settings.ROOT_URLCONF = "payments_platform.tests.urls"


@pytest.fixture
def log_lines():
    """Every log line written while the test runs, rendered by the app's own JSON formatter."""
    root = logging.getLogger()
    formatter = next(h.formatter for h in root.handlers if isinstance(h.formatter, structlog.stdlib.ProcessorFormatter))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
