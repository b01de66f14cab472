"""Using a secret API key: `Authorization: Bearer sk_live_…` on the routes a JWT may call, within
the key's scopes; revoked, expired and unknown keys are 401; revocation is immediate."""

import datetime as dt

import httpx
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiKey
from accounts.tests.factories import api_key_for, key_client
from fraud.pipeline.velocity import velocity_read
from payments_platform.tests.support import client_for
from wallets.tests.factories import WalletFactory

pytestmark = pytest.mark.django_db


def test_a_key_with_the_read_scope_lists_wallets(user):
    wallet = WalletFactory(user=user)
    _, secret = api_key_for(user, scopes=["wallets:read"])

    response = key_client(secret).get("/v1/wallets")

    assert response.status_code == 200
    assert [w["id"] for w in response.json()["data"]["data"]] == [wallet.public_id]


def test_a_key_without_the_write_scope_cannot_open_a_wallet(user):
    _, secret = api_key_for(user, scopes=["wallets:read"])

    response = key_client(secret).post("/v1/wallets", {"currency": "usd"}, format="json")

    assert response.status_code == 403
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("permission_error", "insufficient_scope")
    assert "wallets:write" in error["message"]
    assert not user.wallets.exists()


def test_a_write_scope_implies_read(user):
    _, secret = api_key_for(user, scopes=["wallets:write"])

    assert key_client(secret).get("/v1/wallets").status_code == 200


def test_a_scope_of_one_resource_does_not_open_another(user):
    _, secret = api_key_for(user, scopes=["wallets:write"])

    response = key_client(secret).get("/v1/transfers")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


def test_the_star_scope_opens_every_resource(user):
    _, secret = api_key_for(user, scopes=["*"])
    client = key_client(secret)

    for path in ("/v1/wallets", "/v1/transfers", "/v1/payouts", "/v1/payment_intents", "/v1/events"):
        assert client.get(path).status_code == 200, path


def test_any_valid_key_reads_me(user):
    _, secret = api_key_for(user, scopes=["events:read"])

    response = key_client(secret).get("/v1/me")

    assert response.status_code == 200
    assert response.json()["data"]["id"] == user.public_id


def test_a_key_cannot_log_out(user):
    _, secret = api_key_for(user)

    response = key_client(secret).post("/v1/auth/logout", {"refresh": "x"}, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "api_key_not_allowed"


def test_an_unknown_key_is_401(db):
    response = key_client("sk_live_" + "A" * 40).get("/v1/me")

    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
    assert response.json()["error"]["code"] == "api_key_invalid"


def test_a_key_with_a_known_prefix_but_a_wrong_secret_is_401(user):
    _, secret = api_key_for(user)

    response = key_client(secret[:-4] + ("aaaa" if not secret.endswith("aaaa") else "bbbb")).get("/v1/me")

    assert response.status_code == 401


def test_an_expired_key_is_401(user):
    key, secret = api_key_for(user, expires_at=timezone.now() + dt.timedelta(hours=1))
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = key_client(secret).get("/v1/me")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "api_key_invalid"


def test_a_key_of_a_deactivated_user_is_401(user):
    _, secret = api_key_for(user)
    key_client(secret).get("/v1/me")  # cached
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert key_client(secret).get("/v1/me").status_code == 401


def test_a_revoked_key_is_401_on_the_very_next_request(user):
    key, secret = api_key_for(user)
    client = key_client(secret)
    assert client.get("/v1/me").status_code == 200  # its snapshot is now cached

    client_for(user).delete(f"/v1/api_keys/{key.public_id}")

    assert client.get("/v1/me").status_code == 401


def test_authenticating_a_key_costs_one_query_cold_and_none_warm(user):
    """Warm, the key's snapshot and its user's (accounts.user_cache) are both cached: no query at all."""
    _, secret = api_key_for(user)
    client = key_client(secret)
    cache.set(f"api-key-used:{ApiKey.objects.get().pk}", 1, timeout=60)  # no last_used_at write this minute

    with CaptureQueriesContext(connection) as cold:
        assert client.get("/v1/me").status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get("/v1/me").status_code == 200

    assert len(cold.captured_queries) == 1
    assert "accounts_apikey" in cold.captured_queries[0]["sql"]
    assert len(warm.captured_queries) == 0


def test_last_used_at_is_written_at_most_once_a_minute(user, django_capture_on_commit_callbacks):
    key, secret = api_key_for(user)
    client = key_client(secret)

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert client.get("/v1/me").status_code == 200

    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "accounts_apikey"')]
    assert len(updates) == 1
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert client_for(user).get(f"/v1/api_keys/{key.public_id}").json()["data"]["last_used_at"] == int(
        key.last_used_at.timestamp()
    )


def test_fraud_velocity_counts_a_keys_requests_as_its_users(user, other_user):
    source = WalletFactory(user=user, balance=10_000)
    destination = WalletFactory(user=other_user)
    _, secret = api_key_for(user, scopes=["transfers:write"])
    body = {"source_wallet": source.public_id, "destination_wallet": destination.public_id, "amount": 100}

    assert client_for(user).post("/v1/transfers", body, format="json").status_code == 201
    assert key_client(secret).post("/v1/transfers", body, format="json").status_code == 201

    snapshot = velocity_read(user_id=user.pk, card_fingerprint=None, ip=None)
    assert snapshot.counters["user_attempts_1h"] == 2


def test_idempotency_keys_of_a_key_and_of_a_jwt_share_their_users_scope(user):
    _, secret = api_key_for(user, scopes=["wallets:write"])

    first = client_for(user).post("/v1/wallets", {"currency": "usd"}, format="json", HTTP_IDEMPOTENCY_KEY="w-1")
    second = key_client(secret).post("/v1/wallets", {"currency": "usd"}, format="json", HTTP_IDEMPOTENCY_KEY="w-1")

    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["data"] == first.json()["data"]


@pytest.mark.django_db(transaction=True)
def test_revocation_reaches_another_client_through_redis_at_once(live_server, settings):
    """Two separate HTTP clients against the live server: one uses the key (caching it in Redis), the
    other revokes it; the first client's very next request is a 401. The cache entry itself, read
    back from Redis, says revoked, so any other worker sees the same."""
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    from accounts.tests.factories import UserFactory

    owner = UserFactory()
    key, secret = api_key_for(owner)
    jwt = client_for(owner)._credentials["HTTP_AUTHORIZATION"]
    with (
        httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {secret}"}) as integrator,
        httpx.Client(base_url=live_server.url, headers={"Authorization": jwt}) as dashboard,
    ):
        assert integrator.get("/v1/me").status_code == 200
        assert cache.get(f"api-key:{key.lookup_prefix}")["revoked"] is False

        assert dashboard.delete(f"/v1/api_keys/{key.public_id}").status_code == 200

        assert cache.get(f"api-key:{key.lookup_prefix}")["revoked"] is True
        response = integrator.get("/v1/me")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "api_key_invalid"


def test_a_secret_logged_by_mistake_is_redacted_but_its_redacted_form_is_kept():
    from payments_platform.logging import scrub_text

    secret = "sk_live_" + "Ab3" * 13 + "x"

    assert scrub_text(f"calling with {secret} now") == "calling with [redacted] now"
    assert scrub_text("key sk_live_…wxyz") == "key sk_live_…wxyz"


def test_rolling_a_cached_key_without_grace_refuses_its_old_secret_at_once(user):
    key, secret = api_key_for(user)
    client = key_client(secret)
    assert client.get("/v1/me").status_code == 200  # cached

    new_secret = client_for(user).post(f"/v1/api_keys/{key.public_id}/roll", {}, format="json").json()["data"]["secret"]

    assert client.get("/v1/me").status_code == 401
    assert key_client(new_secret).get("/v1/me").status_code == 200
