"""The admin login with and without the second factor, in a real browser (Playwright, Debian's Chromium).

The live server runs in this process on the test database (transactional, so the browser's
requests see the rows the test commits). Screenshots go to the test's tmp_path.
"""

import contextlib
import re
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import TOTPDeviceFactory, UserFactory
from accounts.tests.second_factor import current_code

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "browser-staff-password-1"

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test run
    # between its calls. For this test only (`check --deploy` rightly refuses the variable).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()


@pytest.fixture
def staff(transactional_db):
    return UserFactory(is_staff=True, is_superuser=True, password=PASSWORD)


def screenshot(page, path) -> None:
    """A screenshot to look at after a failure; Chromium under load sometimes cannot take one, and
    that is no failure of the login."""
    from playwright.sync_api import Error

    with contextlib.suppress(Error):
        page.screenshot(path=path)


def sign_in(page, live_server, user, *, next_path: str = "/admin/") -> None:
    page.goto(f"{live_server.url}/admin/login/?next={next_path}")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def test_a_staff_user_without_a_device_lands_on_enrolment_and_enrols_in_the_browser(page, live_server, staff, tmp_path):
    sign_in(page, live_server, staff)

    assert page.url == f"{live_server.url}/admin/otp/enrol/?next=/admin/"
    screenshot(page, tmp_path / "enrol.png")
    secret = page.inner_text("#otp-secret")
    assert re.fullmatch(r"[A-Z2-7]+", secret)
    page.goto(f"{live_server.url}/admin/wallets/wallet/")
    assert "/admin/otp/enrol/" in page.url  # no admin page but the enrolment
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    page.fill("#id_token", f"{totp(device.bin_key):06d}")
    page.click("input[type=submit]")

    assert page.url == f"{live_server.url}/admin/wallets/wallet/"
    assert "Select wallet to view" in page.title()
    screenshot(page, tmp_path / "enrolled.png")


def test_a_staff_user_with_a_device_needs_the_code_after_the_password(page, live_server, staff, tmp_path):
    device = TOTPDeviceFactory(user=staff)
    sign_in(page, live_server, staff)
    assert page.url == f"{live_server.url}/admin/otp/verify/?next=/admin/"

    page.fill("#id_token", "000000" if current_code(device) != "000000" else "111111")
    page.click("input[type=submit]")
    assert "That code is not valid" in page.content()
    page.goto(f"{live_server.url}/admin/")
    assert "/admin/otp/verify/" in page.url
    device.refresh_from_db()
    device.throttle_reset()  # django-otp refuses any code for a second after a wrong one (its throttling)

    page.fill("#id_token", current_code(device))
    page.click("input[type=submit]")

    assert page.url == f"{live_server.url}/admin/"
    assert "Site administration" in page.content()
    screenshot(page, tmp_path / "verified.png")
