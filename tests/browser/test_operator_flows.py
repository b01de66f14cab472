"""An operator and a finance person at work in a real browser (Chromium, headless), through the admin:
log in, read the overview, reverse a transfer after its confirmation, approve a review on its page,
read the trial balance, export a CSV; and no table is wider than the window at 1400 and 1024 px."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tests.second_factor import current_code
from fraud.models import Review
from fraud.tests.factories import RuleFactory
from fraud.tests.support import fresh_fraud_state
from payments.services import payment_intent_create
from payments.tests.factories import payment_method
from wallets.models import Transfer
from wallets.services import transfer_create
from wallets.tests.factories import WalletFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

WIDTHS = (1400, 1024)
LISTS = [
    "/admin/",
    "/admin/ledger/account/",
    "/admin/ledger/posting/",
    "/admin/ledger/journalentry/",
    "/admin/payments/paymentintent/",
    "/admin/payments/refund/",
    "/admin/fraud/review/",
    "/admin/webhooks/webhookdelivery/",
    "/admin/wallets/transfer/",
    "/admin/wallets/balancetransaction/",
    "/admin/ledger/account/trial-balance/",
]

# Every table's right edge within the window, and no sideways scroll of the page or of a list.
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  if (document.documentElement.scrollWidth > width) wide.push("page " + document.documentElement.scrollWidth);
  for (const table of document.querySelectorAll("table")) {
    const right = table.getBoundingClientRect().right;
    if (right > width + 1) wide.push((table.id || table.className || "table") + " " + Math.round(right));
  }
  for (const box of document.querySelectorAll(".results")) {
    if (box.scrollWidth > box.clientWidth + 1) wide.push("results scroll " + box.scrollWidth);
  }
  return wide;
}"""


@pytest.fixture(autouse=True)
def _quiet_platform(settings):
    settings.PAYMENT_CONNECTORS = {
        "simulator_a": {"class": "payments.sandbox.connector.SimulatorConnector", "options": {"latency_ms": 0}},
    }
    settings.PAYMENT_ROUTING = {"*": [{"connector": "simulator_a"}]}
    with fresh_fraud_state(settings):
        yield


@pytest.fixture
def books(db):
    """Alice (1,000.00 USD, then 50.00 by card), Bob, a 250.00 transfer to him, and a 600.00 one held for review."""
    alice = WalletFactory(user=UserFactory(email="alice@example.com"), currency="usd", balance=100_000)
    bob = WalletFactory(user=UserFactory(email="bob@example.com"), currency="usd")
    card = payment_method(alice.user)
    payment_intent_create(
        user=alice.user,
        amount=5_000,
        currency="usd",
        wallet=alice.public_id,
        payment_method=card.public_id,
        confirm=True,
    )
    transfer = transfer_create(
        user=alice.user, source_wallet=alice.public_id, destination_wallet=bob.public_id, amount=25_000
    )
    RuleFactory(name="review-large-transfers", expression="review if :amount_usd: >= 500", position=1)
    held = transfer_create(
        user=alice.user, source_wallet=alice.public_id, destination_wallet=bob.public_id, amount=60_000
    )
    return {"alice": alice, "bob": bob, "transfer": transfer, "held": held}


@pytest.fixture
def page(browser, live_server, db):
    operator = UserFactory(email="finance@example.com", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    tab.goto(f"{live_server.url}/admin/login/")
    tab.fill("#id_username", "finance@example.com")
    tab.fill("#id_password", DEFAULT_PASSWORD)
    tab.click("input[type=submit]")
    tab.fill("#id_token", current_code(device))  # the admin's second factor (accounts/second_factor.py)
    tab.click("input[type=submit]")
    tab.wait_for_selector("#overview")
    tab.base = live_server.url
    yield tab
    context.close()


def test_the_overview_shows_volumes_reviews_webhooks_and_a_chart(page, books, screenshots):
    page.goto(page.base + "/admin/")

    today = page.inner_text("#overview-today")
    assert "50.00 USD" in today and "850.00 USD" in today  # the card payment; the two transfers
    assert page.inner_text("#overview-reviews .big") == "1"
    assert "Relay lag" in page.inner_text("#overview-webhooks")
    page.wait_for_function("() => window.volumeChart !== undefined")
    page.screenshot(path=screenshots / "overview.png", full_page=True)


def test_an_operator_reverses_a_transfer_after_seeing_what_will_move(page, books, screenshots):
    transfer = books["transfer"]
    page.goto(f"{page.base}/admin/wallets/transfer/{transfer.pk}/change/")
    page.click("text=Reverse transfer…")

    movements = page.inner_text("table.movements")
    assert "bob@example.com" in movements and "alice@example.com" in movements
    assert "250.00 USD" in movements
    page.fill("#id_reason", "sent to the wrong person")
    page.screenshot(path=screenshots / "reverse-transfer-confirmation.png", full_page=True)
    page.click("text=Yes, reverse the transfer")

    assert f"Transfer {transfer.public_id} reversed." in page.inner_text(".messagelist")
    assert "reversed" in page.inner_text(".field-status").lower()
    assert "transfer_reversal" in page.inner_text(".field-entries")
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.REVERSED


def test_an_analyst_approves_a_review_on_its_page(page, books, screenshots):
    review = Review.objects.get(object_id=books["held"].public_id)
    page.goto(f"{page.base}/admin/fraud/review/{review.pk}/change/")

    decision = page.inner_text("#review-decision")
    assert "600.00 USD" in decision and "alice@example.com" in decision
    assert "Why the score is high" in decision
    page.screenshot(path=screenshots / "review-page.png", full_page=True)
    page.click("text=Approve…")
    assert page.get_attribute("form input[type=submit]", "value") == "Yes, approve"
    page.click("form input[type=submit]")

    assert "approved" in page.inner_text(".messagelist")
    assert "cannot be closed again" in page.inner_text(".closed-reason")
    assert page.locator("text=Approve…").count() == 0
    review.refresh_from_db()
    assert review.status == Review.Status.APPROVED


def test_a_finance_person_reads_the_trial_balance(page, books, screenshots):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    page.goto(f"{page.base}/admin/ledger/account/trial-balance/?currency=usd&as_of={tomorrow}")

    assert "Balanced:" in page.inner_text(".status")
    table = page.inner_text("#trial-balance")
    assert "connector:simulator_a:receivable:usd" in table and "50.00 USD" in table
    assert "platform:adjustments:usd" in table and "1,000.00 USD" in table
    assert "platform:fees:usd" in table
    page.screenshot(path=screenshots / "trial-balance.png", full_page=True)
    page.click("#trial-balance a >> nth=0")
    assert "opening balance" in page.inner_text("#statement")


def test_a_finance_person_exports_the_postings_as_csv(page, books, screenshots):
    page.goto(page.base + "/admin/ledger/posting/")
    page.screenshot(path=screenshots / "postings-list.png", full_page=True)

    with page.expect_download() as download:
        page.click("text=Export CSV")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))

    assert rows[0][:4] == ["posting", "entry", "account", "currency"]
    shown = page.locator("#result_list tbody tr").count()
    assert len(rows) - 1 == shown
    assert any(row[6] == "1,000.00" for row in rows[1:])


@pytest.mark.parametrize("width", WIDTHS)
def test_no_table_is_wider_than_the_window(page, books, width, screenshots):
    page.set_viewport_size({"width": width, "height": 900})
    too_wide = {}
    for path in LISTS:
        page.goto(page.base + path)
        found = page.evaluate(TOO_WIDE)
        if found:
            too_wide[path] = found
            slug = path.strip("/").replace("/", "-")
            page.screenshot(path=screenshots / f"too-wide-{slug}-{width}.png", full_page=True)
    page.goto(page.base + "/admin/payments/paymentintent/")
    page.screenshot(path=screenshots / f"payment-intents-{width}.png", full_page=True)

    assert too_wide == {}
