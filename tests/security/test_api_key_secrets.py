"""API key secrets never leak: not in the database (a real `pg_dump`), the logs, the events,
the audit log, the admin, or any response but the one that created them."""

import json

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from payments_platform.tests.support import client_for
from tests.security.dump import database_dump
from tests.security.test_secrets_hygiene import admin_pages_text, leaks, log_text  # noqa: F401 - a fixture
from webhooks.models import Event


def send_keys_through_every_path(owner: User) -> tuple[list[str], list, list]:
    """Create, use (well and badly), roll and revoke keys; return the secrets, the responses allowed to
    hold one, and every other response."""
    dashboard = client_for(owner)
    secrets, allowed, others = [], [], []

    def keyed(secret: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    created = dashboard.post("/v1/api_keys", {"name": "backend", "scopes": ["wallets:read"]}, format="json")
    allowed.append(created)
    key = created.json()["data"]
    secrets.append(key["secret"])
    integrator = keyed(key["secret"])
    others += [
        integrator.get("/v1/wallets"),  # allowed
        integrator.post("/v1/wallets", {"currency": "usd"}, format="json"),  # 403 insufficient_scope
        integrator.get("/v1/api_keys"),  # 403: keys cannot manage keys
        keyed(key["secret"][:-2] + "zz").get("/v1/me"),  # 401, a near miss
        dashboard.get(f"/v1/api_keys/{key['id']}"),
        dashboard.get("/v1/api_keys"),
    ]
    rolled = dashboard.post(f"/v1/api_keys/{key['id']}/roll", {"expires_in_hours": 1}, format="json")
    allowed.append(rolled)
    secrets.append(rolled.json()["data"]["secret"])
    others += [
        keyed(secrets[1]).get("/v1/me"),
        dashboard.delete(f"/v1/api_keys/{rolled.json()['data']['id']}"),
        keyed(secrets[1]).get("/v1/me"),  # 401, revoked
        dashboard.post("/v1/wallets", {"currency": "usd"}, format="json"),  # an event
    ]
    return secrets, allowed, others


@pytest.mark.django_db(transaction=True)
def test_no_api_key_secret_is_in_a_dump_of_the_database_or_the_logs_or_another_response(log_text):  # noqa: F811
    """Transactional, so that every row is committed and `pg_dump` (another connection) sees it."""
    owner = UserFactory()
    secrets, allowed, others = send_keys_through_every_path(owner)

    dump = database_dump()

    assert "COPY public.accounts_apikey" in dump and "api_key.rolled" in dump  # the dump holds the keys
    assert [r.status_code for r in others] == [200, 403, 403, 401, 200, 200, 200, 200, 401, 201]
    other_text = "\n".join(r.content.decode() for r in others)
    for secret in secrets:
        assert all(secret in r.content.decode() for r in allowed[secrets.index(secret) : secrets.index(secret) + 1])
        assert not leaks(secret, dump), "an API key secret in the database"
        assert not leaks(secret, log_text()), "an API key secret in the logs"
        assert not leaks(secret, other_text), "an API key secret in a response"


@pytest.mark.django_db
def test_no_api_key_secret_is_in_the_events_or_the_admin(client):
    owner = UserFactory()
    secrets, _, _ = send_keys_through_every_path(owner)
    force_login_verified(client, User.objects.create_superuser(email="ops@example.com", password="ops-password-0"))

    admin_text = admin_pages_text(client) + client.get(f"/admin/accounts/user/{owner.pk}/change/").content.decode()
    events = json.dumps(list(Event.objects.values()), default=str)

    assert "sk_live_…" in admin_text  # the keys are listed, redacted
    for secret in secrets:
        assert not leaks(secret, admin_text), "an API key secret in the admin"
        assert not leaks(secret, events), "an API key secret in the events"
