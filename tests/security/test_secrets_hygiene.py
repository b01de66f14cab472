"""Secrets never leak: card numbers, CVCs, passwords, JWTs, webhook secrets, Authorization headers.

Each secret is sent through the paths that log (success, validation error, authentication
failure, crash), then the log output (rendered by the app's own formatter), every error
response, the events (API and table) and every admin list and change page are searched for it.
The one response that legitimately returns a secret (a token pair, a new endpoint's `secret`)
is the only place it may appear.
"""

import io
import json
import logging
import re

import pytest
import structlog
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.second_factor import force_login_verified
from payments_platform.tests.support import bearer
from webhooks.models import Event

pytestmark = pytest.mark.django_db

PASSWORD = "Hygiene-Passw0rd-zq8v!"
WRONG_PASSWORD = "Wrong-Passw0rd-kq3x!"
CARD = "4242424242424242"
BAD_LUHN_CARD = "4242424242424241"
DECLINED_CARD = "4000000000000002"
CVC = "987"


@pytest.fixture
def log_text():
    """Everything logged while the test runs, as the production JSON formatter renders it."""
    root = logging.getLogger()
    formatter = next(h.formatter for h in root.handlers if isinstance(h.formatter, structlog.stdlib.ProcessorFormatter))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.setLevel(logging.DEBUG)
    root.addHandler(handler)
    yield stream.getvalue
    root.removeHandler(handler)


class Journey:
    """Sends the secrets through the API and remembers every response."""

    def __init__(self):
        self.client = APIClient()
        self.responses = []
        self.tokens: list[str] = []
        self.webhook_secrets: list[str] = []

    def send(self, method: str, path: str, body=None, **extra):
        response = getattr(self.client, method)(path, body, format="json", **extra)
        self.responses.append(response)
        return response

    def texts_except(self, *allowed) -> str:
        return "\n".join(r.content.decode() for r in self.responses if r not in allowed)


def leaks(secret: str, text: str) -> bool:
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", text) is not None


def admin_pages_text(client) -> str:
    """Every admin changelist, and the change page of up to three objects of each model."""
    pages = []
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        try:
            changelist = reverse(f"admin:{info[0]}_{info[1]}_changelist")
        except NoReverseMatch:
            continue
        response = client.get(changelist)
        assert response.status_code == 200, (changelist, response.status_code)
        pages.append(response.content.decode())
        for obj in model_admin.get_queryset(_AdminRequest()).order_by("-pk")[:3]:
            change = reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk])
            response = client.get(change)
            assert response.status_code == 200, (change, response.status_code)
            pages.append(response.content.decode())
    return "\n".join(pages)


class _AdminRequest:
    """Just enough of a request for `ModelAdmin.get_queryset`."""

    user = None
    GET: dict = {}


@pytest.fixture
def journey(settings, log_text) -> tuple[Journey, dict]:
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    j = Journey()
    email = "hygiene@example.com"
    allowed = []

    # Passwords: registration (weak, then good, then duplicate) and login (wrong, then right).
    j.send("post", "/v1/auth/register", {"email": email, "password": "short"})
    j.send("post", "/v1/auth/register", {"email": email, "password": PASSWORD})
    j.send("post", "/v1/auth/register", {"email": email, "password": PASSWORD})
    j.send("post", "/v1/auth/token", {"email": email, "password": WRONG_PASSWORD})
    j.send("post", "/v1/auth/token", {"email": "nobody@example.com", "password": PASSWORD})
    pair_response = j.send("post", "/v1/auth/token", {"email": email, "password": PASSWORD})
    allowed.append(pair_response)
    pair = pair_response.json()["data"]
    j.tokens += [pair["access"], pair["refresh"]]

    # JWTs: in the Authorization header (good and tampered) and in refresh/logout bodies.
    j.client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    j.send("get", "/v1/me")
    j.client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access'][:-3]}xyz")
    j.send("get", "/v1/me")
    rotated = j.send("post", "/v1/auth/token/refresh", {"refresh": pair["refresh"]})
    allowed.append(rotated)
    j.send("post", "/v1/auth/token/refresh", {"refresh": pair["refresh"]})  # reuse: 401
    j.tokens += [rotated.json()["data"]["access"], rotated.json()["data"]["refresh"]]
    j.client.credentials(HTTP_AUTHORIZATION=f"Bearer {rotated.json()['data']['access']}")
    j.send("post", "/v1/auth/logout", {"refresh": pair["access"]})  # an access token as refresh: 401

    # Webhook secrets: creation and rotation return them once; nothing else may.
    created = j.send("post", "/v1/webhook_endpoints", {"url": "http://127.0.0.1:9/hook", "enabled_events": ["*"]})
    allowed.append(created)
    endpoint = created.json()["data"]
    j.webhook_secrets.append(endpoint["secret"])
    rotated_secret = j.send("post", f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret", {})
    allowed.append(rotated_secret)
    if rotated_secret.status_code == 200:
        j.webhook_secrets.append(rotated_secret.json()["data"]["secret"])
    j.send("get", f"/v1/webhook_endpoints/{endpoint['id']}")
    j.send("patch", f"/v1/webhook_endpoints/{endpoint['id']}", {"description": "hygiene", "url": "not a url"})

    # Cards: valid, bad Luhn, bad CVC, then a payment (authorised and declined).
    def tokenize(number, cvc=CVC):
        card = {"number": number, "exp_month": 12, "exp_year": 2099, "cvc": cvc}
        return j.send("post", "/v1/payment_methods", {"type": "card", "card": card})

    method = tokenize(CARD)
    tokenize(BAD_LUHN_CARD)
    tokenize(CARD, cvc=CVC + "x")
    declined = tokenize(DECLINED_CARD)
    wallet = j.send("post", "/v1/wallets", {"currency": "usd"}).json()["data"]["id"]
    for pm in (method, declined):
        if pm.status_code == 201:
            body = {"amount": 1_000, "currency": "usd", "wallet": wallet, "confirm": True}
            j.send("post", "/v1/payment_intents", {**body, "payment_method": pm.json()["data"]["id"]})
    return j, {"allowed": allowed, "user": User.objects.get(email=email)}


def secrets_of(j: Journey) -> dict[str, list[str]]:
    return {
        "password": [PASSWORD, WRONG_PASSWORD],
        "jwt": j.tokens,
        "webhook secret": j.webhook_secrets,
        "card number": [CARD, BAD_LUHN_CARD, DECLINED_CARD],
        "cvc": [CVC],
    }


def test_the_journey_reached_every_path(journey):
    j, _ = journey
    statuses = [r.status_code for r in j.responses]

    assert {200, 201, 400, 401, 402} <= set(statuses)
    assert len(j.webhook_secrets) >= 1
    assert len(j.tokens) == 4


def test_no_secret_appears_in_the_logs(journey, log_text):
    j, _ = journey
    text = log_text()

    assert text.count('"request_id"') >= len(j.responses)
    for kind, values in secrets_of(j).items():
        for value in values:
            assert not leaks(value, text), f"{kind} in the logs"


def test_no_authorization_header_appears_in_the_logs(journey, log_text):
    text = log_text().lower()

    assert "bearer ey" not in text


def test_no_secret_appears_in_any_other_response(journey):
    j, context = journey
    text = j.texts_except(*context["allowed"])

    for kind, values in secrets_of(j).items():
        for value in values:
            assert not leaks(value, text), f"{kind} in a response"


def test_no_secret_appears_in_events(journey):
    j, context = journey
    owner = APIClient()
    owner.credentials(HTTP_AUTHORIZATION=bearer(context["user"]))
    listed = owner.get("/v1/events", {"limit": 100}).content.decode()
    stored = json.dumps(list(Event.objects.values()), default=str)

    assert Event.objects.exists()
    for kind, values in secrets_of(j).items():
        for value in values:
            assert not leaks(value, listed), f"{kind} in GET /v1/events"
            assert not leaks(value, stored), f"{kind} in the events table"


def test_no_secret_appears_in_admin_pages(journey, client):
    j, _ = journey
    force_login_verified(client, User.objects.create_superuser(email="ops@example.com", password="ops-password-0"))

    text = admin_pages_text(client)

    for kind, values in secrets_of(j).items():
        for value in values:
            assert not leaks(value, text), f"{kind} in the admin"


def test_a_crash_logs_no_secret_from_the_request(api_client, user, log_text, settings):
    settings.ROOT_URLCONF = "payments_platform.tests.urls"
    token = bearer(user).split()[1]
    query = {"password": PASSWORD, "number": CARD, "cvc": CVC, "secret": "whsec_c2VjcmV0c2VjcmV0"}

    response = api_client.get("/v1/test/crash", query, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 500
    assert "unhandled_exception" in log_text()
    text = log_text() + response.content.decode()
    for value in (PASSWORD, CARD, token, "whsec_c2VjcmV0c2VjcmV0"):
        assert value not in text
    assert not leaks(CVC, text)
