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

# Playwright's sync API runs an event loop in this thread; Django's ORM, used by the tests to set
# up data, refuses to run next to one unless told that this is not an async context.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1:18231")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is absent: install Debian's chromium (apt-get install -y chromium)")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def screenshots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
