"""3-D Secure: requires_action with next_action, the simulator's hosted page, and what completing,
failing, expiring or replaying it does. Through the API and the page, as a shop and a cardholder would."""

import io
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from ledger.models import JournalEntry
from payments.models import PaymentIntent, ThreeDSecureSession
from payments.services.authentication import authentication_expire
from payments.tests.factories import payment_method
from payments.tests.support import create_intent
from webhooks.models import Event

pytestmark = pytest.mark.django_db

CARD_3DS = "4000002760003184"
CARD_3DS_OTHER = "4000000000003220"
CARD_3DS_DECLINED = "4000008400001629"
RETURN_URL = "https://shop.example/checkout/done?order=17"


@pytest.fixture
def card_3ds(user):
    return payment_method(user, CARD_3DS)


def requires_action(auth_client, wallet, method, **fields) -> dict:
    response = create_intent(auth_client, wallet, method, confirm=True, return_url=RETURN_URL, **fields)
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["status"] == "requires_action"
    return data


def page_path(intent_data: dict) -> str:
    url = urlsplit(intent_data["next_action"]["redirect_to_url"]["url"])
    return f"{url.path}?{url.query}"


def event_types(user) -> list[str]:
    return list(Event.objects.filter(user=user).order_by("pk").values_list("type", flat=True))


# --- requires_action ------------------------------------------------------------------------


@pytest.mark.parametrize("number", [CARD_3DS, CARD_3DS_OTHER, CARD_3DS_DECLINED])
def test_a_card_needing_authentication_answers_requires_action_with_a_redirect(auth_client, user, wallet, number):
    data = requires_action(auth_client, wallet, payment_method(user, number))
    redirect = data["next_action"]["redirect_to_url"]
    assert data["next_action"]["type"] == "redirect_to_url"
    assert redirect["return_url"] == RETURN_URL
    url = urlsplit(redirect["url"])
    assert url.path.startswith("/simulator/3ds/3ds_")
    assert len(parse_qs(url.query)["token"][0]) >= 43  # 256 bits, base64url


def test_requires_action_moves_no_money_and_records_its_event(auth_client, user, wallet, card_3ds):
    requires_action(auth_client, wallet, card_3ds)
    assert not JournalEntry.objects.filter(kind="payment_capture").exists()
    assert event_types(user) == ["payment_intent.created", "payment_intent.requires_action"]


def test_confirm_accepts_return_url_and_answers_200_requires_action(auth_client, wallet, card_3ds):
    pi = create_intent(auth_client, wallet, card_3ds).json()["data"]["id"]
    response = auth_client.post(f"/v1/payment_intents/{pi}/confirm", {"return_url": RETURN_URL}, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "requires_action"


def test_the_intent_shows_its_page_when_read_again(auth_client, wallet, card_3ds):
    data = requires_action(auth_client, wallet, card_3ds)
    again = auth_client.get(f"/v1/payment_intents/{data['id']}").json()["data"]
    assert again["next_action"] == data["next_action"]


def test_the_event_payload_leaves_out_the_page_url(auth_client, user, wallet, card_3ds):
    requires_action(auth_client, wallet, card_3ds)
    event = Event.objects.get(user=user, type="payment_intent.requires_action")
    assert event.data["object"]["next_action"]["redirect_to_url"] == {"url": None, "return_url": RETURN_URL}


def test_the_session_stores_a_hash_of_the_token_never_the_token(auth_client, wallet, card_3ds):
    data = requires_action(auth_client, wallet, card_3ds)
    token = parse_qs(urlsplit(data["next_action"]["redirect_to_url"]["url"]).query)["token"][0]
    session = ThreeDSecureSession.objects.get()
    row = ThreeDSecureSession.objects.filter(pk=session.pk).values().get()
    assert all(token not in str(value) for value in row.values())
    assert len(session.token_hash) == 64


def test_an_invalid_return_url_is_parameter_invalid_and_writes_nothing(auth_client, wallet, card_3ds):
    response = create_intent(auth_client, wallet, card_3ds, confirm=True, return_url="javascript:alert(1)")
    assert (response.status_code, response.json()["error"]["param"]) == (400, "return_url")
    assert not PaymentIntent.objects.exists()


def test_an_intent_requiring_action_cannot_be_confirmed_again(auth_client, wallet, card_3ds):
    data = requires_action(auth_client, wallet, card_3ds)
    response = auth_client.post(f"/v1/payment_intents/{data['id']}/confirm", {}, format="json")
    assert response.json()["error"]["code"] == "payment_intent_unexpected_state"


def test_a_retried_confirm_with_the_same_idempotency_key_replays_the_redirect(auth_client, wallet, card_3ds):
    pi = create_intent(auth_client, wallet, card_3ds).json()["data"]["id"]

    def confirm():
        return auth_client.post(
            f"/v1/payment_intents/{pi}/confirm", {"return_url": RETURN_URL}, format="json", HTTP_IDEMPOTENCY_KEY="k3ds"
        )

    first, second = confirm(), confirm()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["data"] == first.json()["data"]
    assert ThreeDSecureSession.objects.count() == 1


# --- the page ---------------------------------------------------------------------------------


def test_the_page_is_one_post_form_with_csrf_and_two_result_buttons_and_no_script(auth_client, wallet, card_3ds):
    response = Client().get(page_path(requires_action(auth_client, wallet, card_3ds)))
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert html.count("<form") == 1
    assert '<form method="post">' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="result" value="complete"' in html
    assert 'name="result" value="fail"' in html
    assert "<script" not in html
    assert "100.00 USD" in html


def test_completing_the_page_captures_and_redirects_303_to_the_return_url(auth_client, user, wallet, card_3ds):
    data = requires_action(auth_client, wallet, card_3ds)
    response = Client().post(page_path(data), {"result": "complete"})
    assert response.status_code == 303
    assert response["Location"] == f"https://shop.example/checkout/done?order=17&payment_intent={data['id']}"
    intent = PaymentIntent.objects.get(public_id=data["id"])
    assert (intent.status, intent.amount_received, intent.fee) == ("succeeded", 10_000, 320)
    assert intent.capture_entry is not None
    assert intent.outcome["type"] == "authorized"
    assert event_types(user)[-2:] == ["payment_intent.requires_action", "payment_intent.succeeded"]


def test_completing_with_manual_capture_leaves_the_intent_requires_capture(auth_client, wallet, card_3ds):
    data = requires_action(auth_client, wallet, card_3ds, capture_method="manual")
    Client().post(page_path(data), {"result": "complete"})
    intent = PaymentIntent.objects.get(public_id=data["id"])
    assert (intent.status, intent.amount_capturable) == ("requires_capture", 10_000)
    assert not JournalEntry.objects.filter(kind="payment_capture").exists()


def test_the_declining_card_is_declined_after_authentication(auth_client, user, wallet):
    data = requires_action(auth_client, wallet, payment_method(user, CARD_3DS_DECLINED))
    response = Client().post(page_path(data), {"result": "complete"})
    assert response.status_code == 303
    intent = PaymentIntent.objects.get(public_id=data["id"])
    assert intent.status == "requires_payment_method"
    assert (intent.last_payment_error["code"], intent.last_payment_error["decline_code"]) == (
        "card_declined",
        "card_declined",
    )
    assert not JournalEntry.objects.filter(kind="payment_capture").exists()


def test_failing_the_page_is_an_authentication_failure(auth_client, user, wallet, card_3ds):
    data = requires_action(auth_client, wallet, card_3ds)
    response = Client().post(page_path(data), {"result": "fail"})
    assert response.status_code == 303
    intent = auth_client.get(f"/v1/payment_intents/{data['id']}").json()["data"]
    assert intent["status"] == "requires_payment_method"
    assert intent["last_payment_error"]["code"] == "payment_intent_authentication_failure"
    assert intent["next_action"] is None
    assert event_types(user)[-1] == "payment_intent.payment_failed"
    assert not JournalEntry.objects.filter(kind="payment_capture").exists()


def test_after_a_failure_the_intent_can_be_confirmed_and_authenticated_again(auth_client, wallet, card_3ds):
    data = requires_action(auth_client, wallet, card_3ds)
    Client().post(page_path(data), {"result": "fail"})
    again = auth_client.post(f"/v1/payment_intents/{data['id']}/confirm", {}, format="json").json()["data"]
    assert again["next_action"]["redirect_to_url"]["return_url"] is None
    response = Client().post(page_path(again), {"result": "complete"})
    assert response.status_code == 200  # no return_url this time: the result page
    assert PaymentIntent.objects.get(public_id=data["id"]).status == "succeeded"


def test_without_a_return_url_completing_shows_a_result_page(auth_client, wallet, card_3ds):
    data = create_intent(auth_client, wallet, card_3ds, confirm=True).json()["data"]
    response = Client().post(page_path(data), {"result": "complete"})
    assert response.status_code == 200
    assert '<dd id="status">succeeded</dd>' in response.content.decode()


def test_a_used_page_answers_410_and_a_replayed_post_changes_nothing(auth_client, user, wallet, card_3ds):
    data = requires_action(auth_client, wallet, card_3ds)
    browser = Client()
    browser.post(page_path(data), {"result": "complete"})
    entries = JournalEntry.objects.count()
    assert browser.get(page_path(data)).status_code == 410
    replay = browser.post(page_path(data), {"result": "complete"})
    assert replay.status_code == 410
    assert "already been answered" in replay.content.decode()
    assert browser.post(page_path(data), {"result": "fail"}).status_code == 410
    assert JournalEntry.objects.count() == entries
    assert PaymentIntent.objects.get(public_id=data["id"]).status == "succeeded"


def test_an_expired_page_answers_410_and_fails_the_intent(auth_client, user, wallet, card_3ds):
    data = requires_action(auth_client, wallet, card_3ds)
    ThreeDSecureSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().post(page_path(data), {"result": "complete"})
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    intent = PaymentIntent.objects.get(public_id=data["id"])
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error["code"] == "payment_intent_authentication_failure"
    assert ThreeDSecureSession.objects.get().status == "expired"
    assert not JournalEntry.objects.filter(kind="payment_capture").exists()


def test_pages_are_expired_after_ten_minutes_by_the_expiry_job(auth_client, user, wallet, card_3ds):
    data = requires_action(auth_client, wallet, card_3ds)
    assert authentication_expire(now=timezone.now() + timedelta(minutes=9, seconds=59)) == 0
    output = io.StringIO()
    call_command("expire_payment_intents", stdout=output)  # the job run by cron/the scheduler: not due yet
    assert "Expired 0 unanswered 3-D Secure page(s)." in output.getvalue()
    assert PaymentIntent.objects.get(public_id=data["id"]).status == "requires_action"
    assert authentication_expire(now=timezone.now() + timedelta(minutes=10, seconds=1)) == 1
    assert PaymentIntent.objects.get(public_id=data["id"]).status == "requires_payment_method"
    assert event_types(user)[-1] == "payment_intent.payment_failed"


def test_a_wrong_token_is_404_and_changes_nothing(auth_client, wallet, card_3ds):
    data = requires_action(auth_client, wallet, card_3ds)
    path = page_path(data).split("?")[0]
    assert Client().get(f"{path}?token=not-the-token").status_code == 404
    assert Client().post(f"{path}?token=not-the-token", {"result": "complete"}).status_code == 404
    assert Client().post(path, {"result": "complete"}).status_code == 404
    assert PaymentIntent.objects.get(public_id=data["id"]).status == "requires_action"


def test_an_unknown_page_is_404(db):
    response = Client().get("/simulator/3ds/3ds_unknown?token=abc")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_post_without_a_valid_csrf_token_is_403_with_a_clear_page(auth_client, wallet, card_3ds):
    data = requires_action(auth_client, wallet, card_3ds)
    browser = Client(enforce_csrf_checks=True)
    browser.get(page_path(data))  # sets the CSRF cookie
    response = browser.post(page_path(data), {"result": "complete", "csrfmiddlewaretoken": "x" * 64})
    assert response.status_code == 403
    assert "could not be verified" in response.content.decode()
    assert PaymentIntent.objects.get(public_id=data["id"]).status == "requires_action"


def test_a_post_with_the_pages_csrf_token_passes_the_check(auth_client, wallet, card_3ds):
    data = requires_action(auth_client, wallet, card_3ds)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(page_path(data))
    token = page.context["csrf_token"]
    response = browser.post(page_path(data), {"result": "complete", "csrfmiddlewaretoken": str(token)})
    assert response.status_code == 303


def test_an_unknown_result_is_400_and_changes_nothing(auth_client, wallet, card_3ds):
    data = requires_action(auth_client, wallet, card_3ds)
    assert Client().post(page_path(data), {"result": "maybe"}).status_code == 400
    assert PaymentIntent.objects.get(public_id=data["id"]).status == "requires_action"


def test_a_canceled_intent_closes_its_page(auth_client, wallet, card_3ds):
    data = requires_action(auth_client, wallet, card_3ds)
    assert auth_client.post(f"/v1/payment_intents/{data['id']}/cancel", {}, format="json").status_code == 200
    assert Client().post(page_path(data), {"result": "complete"}).status_code == 410
    assert PaymentIntent.objects.get(public_id=data["id"]).status == "canceled"
    assert not JournalEntry.objects.filter(kind="payment_capture").exists()


def test_the_page_token_never_reaches_the_logs(auth_client, wallet, card_3ds, caplog, capfd):
    data = requires_action(auth_client, wallet, card_3ds)
    token = parse_qs(urlsplit(data["next_action"]["redirect_to_url"]["url"]).query)["token"][0]
    session_id = ThreeDSecureSession.objects.get().public_id
    Client().get(page_path(data))
    Client().post(page_path(data), {"result": "complete"})
    logged = caplog.text + "".join(capfd.readouterr())
    assert f"/simulator/3ds/{session_id}" in logged  # the access log records the path
    assert token not in logged
