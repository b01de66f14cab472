"""POST /v1/auth/register."""

import pytest
from django.contrib.auth.hashers import check_password, get_hashers, make_password

from accounts.models import AuditLogEntry, User
from accounts.tests.factories import UserFactory
from payments_platform import settings as project_settings

URL = "/v1/auth/register"
STRONG_PASSWORD = "violet-harbour-quantum-88"

pytestmark = pytest.mark.django_db


def register(client, **body):
    return client.post(URL, body, format="json")


def test_register_returns_201_with_the_user_object(api_client):
    response = register(api_client, email="ada@example.com", password=STRONG_PASSWORD, name="Ada Lovelace")

    assert response.status_code == 201
    data = response.json()["data"]
    assert set(data) == {"id", "object", "email", "name", "created"}
    assert data["id"].startswith("usr_")
    assert data["object"] == "user"
    assert data["email"] == "ada@example.com"
    assert data["name"] == "Ada Lovelace"
    assert isinstance(data["created"], int)


def test_register_never_echoes_the_password(api_client):
    response = register(api_client, email="ada@example.com", password=STRONG_PASSWORD)

    assert STRONG_PASSWORD.encode() not in response.content


def test_register_without_name_gives_an_empty_name(api_client):
    response = register(api_client, email="ada@example.com", password=STRONG_PASSWORD)

    assert response.json()["data"]["name"] == ""


def test_register_accepts_unicode_names(api_client):
    response = register(api_client, email="zoe@example.com", password=STRONG_PASSWORD, name="Zoë Ñandú 李小龍 🚀")

    assert response.status_code == 201
    assert response.json()["data"]["name"] == "Zoë Ñandú 李小龍 🚀"
    assert User.objects.get(email="zoe@example.com").name == "Zoë Ñandú 李小龍 🚀"


def test_register_stores_the_email_lowercase(api_client):
    response = register(api_client, email="Ada@Example.COM", password=STRONG_PASSWORD)

    assert response.json()["data"]["email"] == "ada@example.com"


def test_register_stores_a_bcrypt_sha256_hash(api_client):
    register(api_client, email="ada@example.com", password=STRONG_PASSWORD)

    user = User.objects.get(email="ada@example.com")
    assert user.password.startswith("bcrypt_sha256$$2b$")
    assert STRONG_PASSWORD not in user.password
    assert user.check_password(STRONG_PASSWORD)


def test_configured_hashers_put_bcrypt_sha256_first():
    """Tests swap in a cheaper bcrypt (conftest); the settings module holds the production list."""
    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.BCryptSHA256PasswordHasher"


def test_every_configured_hasher_can_hash_and_verify(settings):
    """A hasher whose library is not installed (Argon2 without argon2-cffi) would fail only on first use."""
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    for hasher in get_hashers():
        assert hasher.verify(STRONG_PASSWORD, hasher.encode(STRONG_PASSWORD, hasher.salt()))


def test_a_password_hashed_with_pbkdf2_still_verifies_with_the_configured_hashers(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    encoded = make_password(STRONG_PASSWORD, hasher="pbkdf2_sha256")

    assert check_password(STRONG_PASSWORD, encoded)


def test_register_writes_an_audit_log_entry(api_client):
    response = register(api_client, email="ada@example.com", password=STRONG_PASSWORD)

    entry = AuditLogEntry.objects.get(action="user.registered")
    assert entry.object_id == response.json()["data"]["id"]
    assert entry.actor.email == "ada@example.com"


def test_duplicate_email_is_400_email_taken_whatever_the_case(api_client):
    UserFactory(email="ada@example.com")

    response = register(api_client, email="ADA@example.com", password=STRONG_PASSWORD)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "email_taken"
    assert error["param"] == "email"
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "password",
    ["short", "password123", "12345678901234", "ada@example.com"],
    ids=["too-short", "common", "numeric", "same-as-email"],
)
def test_weak_password_is_400_parameter_invalid_on_password(api_client, password):
    response = register(api_client, email="ada@example.com", password=password)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "parameter_invalid"
    assert error["param"] == "password"
    assert not User.objects.exists()


@pytest.mark.parametrize("missing", ["email", "password"])
def test_missing_field_is_400_parameter_missing(api_client, missing):
    body = {"email": "ada@example.com", "password": STRONG_PASSWORD}
    del body[missing]

    response = register(api_client, **body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_missing"
    assert response.json()["error"]["param"] == missing


def test_invalid_email_is_400_parameter_invalid(api_client):
    response = register(api_client, email="not an email", password=STRONG_PASSWORD)

    assert response.json()["error"]["code"] == "parameter_invalid"
    assert response.json()["error"]["param"] == "email"


def test_name_of_the_wrong_type_is_400(api_client):
    response = register(api_client, email="ada@example.com", password=STRONG_PASSWORD, name=42)

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "name"


def test_registration_is_throttled_per_client_ip_with_retry_after(api_client, settings):
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["registration"].split("/")[0])
    for _ in range(limit):
        assert register(api_client).status_code == 400  # throttling counts every attempt

    response = register(api_client, email="late@example.com", password=STRONG_PASSWORD)

    assert response.status_code == 429
    assert response.json()["error"]["type"] == "rate_limit_error"
    assert int(response["Retry-After"]) >= 1
    assert not User.objects.filter(email="late@example.com").exists()


def test_registration_throttle_ignores_a_spoofed_forwarded_for_header(api_client, settings):
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["registration"].split("/")[0])
    for index in range(limit):
        api_client.post(URL, {}, format="json", HTTP_X_FORWARDED_FOR=f"10.0.0.{index}")

    response = api_client.post(URL, {}, format="json", HTTP_X_FORWARDED_FOR="10.0.1.1")

    assert response.status_code == 429
