"""Browser tests: Playwright (PyPI) driving Debian's Chromium against pytest-django's live server.

They skip, with the reason, when /usr/bin/chromium is absent (CI installs it: `apt-get install -y
chromium`); `playwright install` is never needed. The live server listens on 127.0.0.1:18231
unless DJANGO_LIVE_TEST_SERVER_ADDRESS or --liveserver says otherwise. Set SCREENSHOTS_DIR (e.g.
docs/images) to keep the screenshots the tests take; otherwise they go to a temporary folder.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

# Read by pytest-django's live_server when it starts (only these tests use it): our port range.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1:18231")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is absent: install Debian's chromium (apt-get install -y chromium)")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per module. Playwright's sync API runs an event loop in this thread
    while it is open; Django's ORM (the tests set up data with it) refuses to run beside one unless
    DJANGO_ALLOW_ASYNC_UNSAFE says this is not an async context, so that is set here and removed
    again with the loop, never leaking into other tests (or `check --deploy` subprocesses)."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def screenshots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
