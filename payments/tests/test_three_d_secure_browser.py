"""3-D Secure in a real browser: Playwright driving Debian's Chromium (headless) against a live server.

The shop's side is the API (create and confirm with return_url); the cardholder's side is the
browser: open next_action.redirect_to_url.url, click a button, land on the return_url. The shop's
return page is a small HTTP server on 127.0.0.1 that Chromium reaches as shop.example
(`--host-resolver-rules`), so no request leaves 127.0.0.1 and no name is looked up in DNS.

Not `page.route`: Playwright routes only the first URL of a redirect chain, never the target of
the page's 303, which Chromium then looks up in DNS and fails on. It used to pass only because
Chromium's error page reloads a failed navigation while it believes it is online, and that reload
was routed; in a network namespace without a network it knows it is offline and never reloads.

Skipped, with the reason, when /usr/bin/chromium is absent (`apt-get install -y chromium`); never
`playwright install`. `UPDATE_SCREENSHOTS=1` also writes the screenshots to docs/images/.
"""

import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright
from pytest_django.live_server_helper import LiveServer

from payments.models import PaymentIntent
from payments.tests.factories import payment_method
from payments.tests.support import create_intent

CHROMIUM = "/usr/bin/chromium"
PORTS = range(18300, 18400)  # this worktree's ports
SHOP_HOST = "shop.example"
RETURN_URL = f"http://{SHOP_HOST}/checkout/complete"
SHOP_PAGE = b"<h1>Shop: back from 3-D Secure</h1>"
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: apt-get install -y chromium"),
    pytest.mark.django_db(transaction=True),  # the live server's thread must see the committed rows
]


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18300-18399")


@pytest.fixture
def server(settings):
    live = LiveServer(f"127.0.0.1:{_free_port()}")
    settings.THREE_D_SECURE_BASE_URL = live.url
    yield live
    live.stop()


class _ShopPage(BaseHTTPRequestHandler):
    """The shop's return page, whatever the path and query."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(SHOP_PAGE)))
        self.end_headers()
        self.wfile.write(SHOP_PAGE)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def shop():
    """The shop's web server on 127.0.0.1; yields its "host:port"."""
    httpd = ThreadingHTTPServer(("127.0.0.1", _free_port()), _ShopPage)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def browser_page(monkeypatch, shop):
    """A headless Chromium page that reaches shop.example at the `shop` server."""
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                f"--host-resolver-rules=MAP {SHOP_HOST} {shop}",
            ],
        )
        page = browser.new_page(viewport={"width": 800, "height": 640})
        yield page
        browser.close()
        # The test's queries while Playwright's loop ran used a connection of their own (Django keeps
        # one per async context): close it here, in that context, or it outlives the test database.
        connections.close_all()


def screenshot(page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / name))
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS_IMAGES.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS_IMAGES / name))


def confirm_needing_authentication(auth_client, wallet, user) -> dict:
    response = create_intent(
        auth_client, wallet, payment_method(user, "4000002760003184"), confirm=True, return_url=RETURN_URL
    )
    data = response.json()["data"]
    assert (response.status_code, data["status"]) == (201, "requires_action")
    return data


def test_completing_the_page_in_a_browser_lands_on_the_return_url_and_pays(
    server, browser_page, auth_client, user, wallet, tmp_path
):
    data = confirm_needing_authentication(auth_client, wallet, user)
    page = browser_page
    page.goto(data["next_action"]["redirect_to_url"]["url"])
    assert page.title().startswith("Confirm your payment")
    screenshot(page, tmp_path, "three_d_secure_challenge.png")

    page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url(f"{RETURN_URL}?*")

    assert parse_qs(urlsplit(page.url).query) == {"payment_intent": [data["id"]]}
    assert page.locator("h1").inner_text() == "Shop: back from 3-D Secure"
    assert PaymentIntent.objects.get(public_id=data["id"]).status == "succeeded"


def test_failing_the_page_in_a_browser_lands_on_the_return_url_with_the_intent_failed(
    server, browser_page, auth_client, user, wallet
):
    data = confirm_needing_authentication(auth_client, wallet, user)
    page = browser_page
    page.goto(data["next_action"]["redirect_to_url"]["url"])
    page.get_by_role("button", name="Fail authentication").click()
    page.wait_for_url(f"{RETURN_URL}?*")

    assert parse_qs(urlsplit(page.url).query) == {"payment_intent": [data["id"]]}
    intent = PaymentIntent.objects.get(public_id=data["id"])
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error["code"] == "payment_intent_authentication_failure"


def test_going_back_and_posting_the_page_again_shows_that_it_was_used(
    server, browser_page, auth_client, user, wallet, tmp_path
):
    data = confirm_needing_authentication(auth_client, wallet, user)
    page = browser_page
    page.goto(data["next_action"]["redirect_to_url"]["url"])
    page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url(f"{RETURN_URL}?*")
    page.go_back()  # the browser shows the form again (no-store: it is fetched again, now 410)

    assert page.locator("h1").inner_text() == "This page is no longer valid"
    screenshot(page, tmp_path, "three_d_secure_used.png")
    assert PaymentIntent.objects.filter(public_id=data["id"], status="succeeded").count() == 1
