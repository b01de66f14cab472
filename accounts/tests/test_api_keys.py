"""Managing secret API keys: create (secret shown once), list, retrieve, revoke, roll, audit."""

import time

import pytest

from accounts.models import ApiKey, AuditLogEntry
from accounts.tests.factories import api_key_for, key_client

pytestmark = pytest.mark.django_db
URL = "/v1/api_keys"


def create(client, body=None, **headers):
    body = body if body is not None else {"name": "backend", "scopes": ["wallets:read"]}
    return client.post(URL, body, format="json", **headers)


def test_create_returns_the_secret_once_with_its_redacted_form(auth_client):
    response = create(auth_client)

    assert response.status_code == 201
    data = response.json()["data"]
    assert data["id"].startswith("ak_")
    assert data["object"] == "api_key"
    assert data["secret"].startswith("sk_live_")
    assert data["redacted"] == "sk_live_…" + data["secret"][-4:]
    assert data["scopes"] == ["wallets:read"]
    assert data["expires_at"] is None
    assert data["last_used_at"] is None
    assert list(data) == [
        "id", "object", "name", "secret", "redacted", "scopes", "expires_at", "last_used_at", "created",
    ]  # fmt: skip


def test_retrieve_and_list_never_show_the_secret(auth_client):
    key_id = create(auth_client).json()["data"]["id"]

    one = auth_client.get(f"{URL}/{key_id}").json()["data"]
    listed = auth_client.get(URL).json()["data"]

    assert "secret" not in one
    assert one["id"] == key_id
    assert [item["id"] for item in listed["data"]] == [key_id]
    assert "secret" not in listed["data"][0]


def test_the_secret_is_stored_only_as_a_keyed_hash(auth_client):
    secret = create(auth_client).json()["data"]["secret"]

    key = ApiKey.objects.get()
    stored = [str(value) for value in ApiKey.objects.values().get().values()]
    assert secret not in stored
    assert key.secret_hash != secret and len(key.secret_hash) == 64
    assert secret.startswith("sk_live_" + key.lookup_prefix)


def test_an_unknown_scope_is_parameter_invalid_on_scopes(auth_client):
    response = create(auth_client, {"name": "x", "scopes": ["wallets:read", "wallets:admin"]})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_invalid"
    assert response.json()["error"]["param"] == "scopes"
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("scopes", [[], "wallets:read", [1], None])
def test_scopes_that_are_not_a_list_of_names_are_refused(auth_client, scopes):
    response = create(auth_client, {"name": "x", "scopes": scopes})

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "scopes"


def test_star_scope_is_kept_alone(auth_client):
    data = create(auth_client, {"name": "x", "scopes": ["*", "wallets:read"]}).json()["data"]

    assert data["scopes"] == ["*"]


def test_an_expiry_in_the_past_is_refused(auth_client):
    response = create(auth_client, {"name": "x", "scopes": ["*"], "expires_at": int(time.time()) - 10})

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "expires_at"


def test_an_expiry_in_the_future_is_returned(auth_client):
    expires_at = int(time.time()) + 3600

    data = create(auth_client, {"name": "x", "scopes": ["*"], "expires_at": expires_at}).json()["data"]

    assert data["expires_at"] == expires_at


def test_an_idempotent_replay_of_a_create_makes_no_second_key_and_no_secret(auth_client):
    first = create(auth_client, HTTP_IDEMPOTENCY_KEY="ak-1")
    second = create(auth_client, HTTP_IDEMPOTENCY_KEY="ak-1")

    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["data"]["id"] == first.json()["data"]["id"]
    assert second.json()["data"]["secret"] is None
    assert ApiKey.objects.count() == 1


def test_delete_revokes_and_hides_the_key(auth_client):
    key_id = create(auth_client).json()["data"]["id"]

    response = auth_client.delete(f"{URL}/{key_id}")

    assert response.status_code == 200
    assert response.json()["data"] == {"id": key_id, "object": "api_key", "deleted": True}
    assert ApiKey.objects.get().revoked_at is not None
    assert auth_client.get(f"{URL}/{key_id}").status_code == 404
    assert auth_client.delete(f"{URL}/{key_id}").status_code == 404


def test_roll_without_grace_revokes_the_old_secret_now(auth_client):
    old = create(auth_client).json()["data"]

    response = auth_client.post(f"{URL}/{old['id']}/roll", {}, format="json")

    assert response.status_code == 201
    new = response.json()["data"]
    assert new["id"] != old["id"] and new["secret"] != old["secret"]
    assert new["name"] == old["name"] and new["scopes"] == old["scopes"]
    assert key_client(old["secret"]).get("/v1/me").status_code == 401
    assert key_client(new["secret"]).get("/v1/me").status_code == 200


def test_roll_with_grace_keeps_the_old_secret_valid_that_long(auth_client):
    old = create(auth_client).json()["data"]
    before = int(time.time())

    new = auth_client.post(f"{URL}/{old['id']}/roll", {"expires_in_hours": 24}, format="json").json()["data"]

    assert key_client(old["secret"]).get("/v1/me").status_code == 200
    assert key_client(new["secret"]).get("/v1/me").status_code == 200
    old_expiry = auth_client.get(f"{URL}/{old['id']}").json()["data"]["expires_at"]
    assert before + 24 * 3600 <= old_expiry <= int(time.time()) + 24 * 3600


@pytest.mark.parametrize("hours", [-1, 169, "1", 1.5, True])
def test_roll_refuses_a_grace_outside_0_to_168_hours(auth_client, hours):
    old = create(auth_client).json()["data"]

    response = auth_client.post(f"{URL}/{old['id']}/roll", {"expires_in_hours": hours}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "expires_in_hours"
    assert ApiKey.objects.count() == 1


def test_another_users_key_is_404_for_retrieve_revoke_and_roll(auth_client, other_user):
    key, _ = api_key_for(other_user)

    assert auth_client.get(f"{URL}/{key.public_id}").status_code == 404
    assert auth_client.delete(f"{URL}/{key.public_id}").status_code == 404
    assert auth_client.post(f"{URL}/{key.public_id}/roll", {}, format="json").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_an_api_key_cannot_manage_keys(user):
    _, secret = api_key_for(user, scopes=["*"])
    client = key_client(secret)

    for response in (
        client.post(URL, {"name": "minted", "scopes": ["*"]}, format="json"),
        client.get(URL),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["type"] == "permission_error"
    assert ApiKey.objects.count() == 1


def test_create_roll_and_revoke_are_audited_without_the_secret(auth_client, user):
    created = create(auth_client).json()["data"]
    rolled = auth_client.post(f"{URL}/{created['id']}/roll", {"expires_in_hours": 1}, format="json").json()["data"]
    auth_client.delete(f"{URL}/{rolled['id']}")

    entries = list(AuditLogEntry.objects.filter(object_type="api_key").order_by("id"))

    assert [(e.action, e.object_id, e.actor_id) for e in entries] == [
        ("api_key.created", created["id"], user.pk),
        ("api_key.rolled", created["id"], user.pk),
        ("api_key.revoked", rolled["id"], user.pk),
    ]
    assert entries[1].details["rolled_to"] == rolled["id"]
    text = str([e.details for e in entries])
    assert created["secret"] not in text and rolled["secret"] not in text


def test_a_key_rolled_with_grace_cannot_be_rolled_again(auth_client):
    old = create(auth_client).json()["data"]
    auth_client.post(f"{URL}/{old['id']}/roll", {"expires_in_hours": 1}, format="json")

    response = auth_client.post(f"{URL}/{old['id']}/roll", {"expires_in_hours": 1}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "api_key_already_rolled"
    assert ApiKey.objects.count() == 2
