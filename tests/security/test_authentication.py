"""Authentication gaps not covered by accounts/tests (test_me.py, test_tokens.py, test_login_throttling.py).

Algorithm confusion (HS512, RS256, `None` spelt differently), a user deleted after the token was
issued, access-token lifetime, and user enumeration through login and registration: same
message, and the same password-hashing work whether or not the email exists.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json

import bcrypt
import jwt
import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_for(user, **overrides) -> dict:
    now = int(dt.datetime.now(tz=dt.UTC).timestamp())
    return {"token_type": "access", "exp": now + 300, "iat": now, "jti": "b" * 32, "sub": user.public_id, **overrides}


def hand_signed(header: dict, claims: dict) -> str:
    """A token signed with our real key by HMAC-SHA256, whatever `alg` the header claims."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    key = settings.SIMPLE_JWT["SIGNING_KEY"].encode()
    return f"{signing_input}.{b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}"


def me(client, token: str):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get("/v1/me")


def assert_401(response) -> None:
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"


def test_control_a_hand_signed_hs256_token_is_accepted(api_client, user):
    assert me(api_client, hand_signed({"alg": "HS256", "typ": "JWT"}, claims_for(user))).status_code == 200


def test_token_signed_with_hs512_and_the_real_key_is_401(api_client, user):
    token = jwt.encode(claims_for(user), settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS512")

    assert_401(me(api_client, token))


@pytest.mark.parametrize("alg", ["RS256", "ES256", "PS256", "HS384"])
def test_token_claiming_another_algorithm_over_a_valid_hs256_signature_is_401(api_client, user, alg):
    """Algorithm confusion: the signature bytes are right for HS256, the header says otherwise."""
    assert_401(me(api_client, hand_signed({"alg": alg, "typ": "JWT"}, claims_for(user))))


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_unsigned_token_in_any_spelling_of_none_is_401(api_client, user, alg):
    header = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims_for(user)).encode())

    assert_401(me(api_client, f"{header}.{payload}."))


def test_token_with_an_embedded_jwk_header_is_401(api_client, user):
    header = {"alg": "HS256", "typ": "JWT", "jwk": {"kty": "oct", "k": b64(b"attacker-key")}}
    key = b"attacker-key"
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims_for(user)).encode())}"
    token = f"{signing_input}.{b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}"

    assert_401(me(api_client, token))


def test_token_of_a_user_deleted_after_it_was_issued_is_401(api_client):
    doomed = UserFactory()
    token = str(AccessToken.for_user(doomed))
    doomed.delete()

    assert_401(me(api_client, token))


def test_token_with_an_expiry_beyond_the_configured_lifetime_is_still_checked_for_expiry(api_client, user):
    now = int(dt.datetime.now(tz=dt.UTC).timestamp())

    assert_401(me(api_client, hand_signed({"alg": "HS256"}, claims_for(user, iat=now - 7200, exp=now - 3600))))


def test_access_tokens_live_at_most_15_minutes(api_client, user):
    pair = api_client.post("/v1/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    access = jwt.decode(pair.json()["data"]["access"], options={"verify_signature": False})

    assert access["exp"] - access["iat"] <= 15 * 60
    assert pair.json()["data"]["expires_in"] <= 15 * 60


def test_refresh_tokens_are_rotated_and_blacklisted_after_use(api_client, user):
    """What simplejwt's ROTATE_REFRESH_TOKENS and BLACKLIST_AFTER_ROTATION promised (they were never
    read: accounts.services rotates and revokes by jti itself), checked as behaviour."""
    pair = api_client.post("/v1/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    old_refresh = pair.json()["data"]["refresh"]

    rotated = api_client.post("/v1/auth/token/refresh", {"refresh": old_refresh}, format="json")
    reused = api_client.post("/v1/auth/token/refresh", {"refresh": old_refresh}, format="json")

    assert rotated.status_code == 200
    assert rotated.json()["data"]["refresh"] != old_refresh
    assert_401(reused)


def test_a_refresh_token_revoked_by_logout_cannot_open_me_either(api_client, user):
    pair = api_client.post("/v1/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    data = pair.json()["data"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {data['access']}")
    api_client.post("/v1/auth/logout", {"refresh": data["refresh"]}, format="json")

    assert_401(me(api_client, data["refresh"]))


# --- User enumeration ---------------------------------------------------------------


@pytest.fixture
def bcrypt_calls(monkeypatch) -> list[int]:
    """Counts bcrypt computations: the work that makes a login take its time."""
    calls: list[int] = []
    real_hashpw = bcrypt.hashpw

    def counting_hashpw(password, salt):
        calls.append(1)
        return real_hashpw(password, salt)

    monkeypatch.setattr(bcrypt, "hashpw", counting_hashpw)
    return calls


def login(client, email, password, ip):
    return client.post("/v1/auth/token", {"email": email, "password": password}, format="json", REMOTE_ADDR=ip)


@pytest.mark.parametrize("case", ["unknown email", "wrong password", "deactivated user", "right password"])
def test_every_login_does_exactly_one_bcrypt_computation(api_client, bcrypt_calls, case):
    """Same work whether or not the account exists, so response time does not tell them apart."""
    user = UserFactory(is_active=case != "deactivated user")
    email = "nobody-here@example.com" if case == "unknown email" else user.email
    password = DEFAULT_PASSWORD if case in ("right password", "deactivated user") else "wrong password"
    bcrypt_calls.clear()

    login(api_client, email, password, ip="203.0.113.50")

    assert len(bcrypt_calls) == 1


def test_login_failures_for_unknown_and_known_emails_are_byte_identical_but_for_the_trace_id(api_client):
    user = UserFactory()
    known = login(api_client, user.email, "wrong password", ip="203.0.113.51")
    unknown = login(api_client, "ghost@example.com", "wrong password", ip="203.0.113.52")
    inactive_user = UserFactory(is_active=False)
    inactive = login(api_client, inactive_user.email, DEFAULT_PASSWORD, ip="203.0.113.53")

    bodies = {
        response.content.decode().replace(response.json()["trace_id"], "T") for response in (known, unknown, inactive)
    }
    assert len(bodies) == 1
    assert known.status_code == unknown.status_code == inactive.status_code == 401
    assert {key: known[key] for key in ("WWW-Authenticate",) if key in known} == {
        key: unknown[key] for key in ("WWW-Authenticate",) if key in unknown
    }


def test_throttled_logins_look_the_same_for_known_and_unknown_emails(api_client, settings):
    user = UserFactory()
    for email in (user.email, "ghost@example.com"):
        for index in range(settings.LOGIN_FAILURE_LIMIT):
            login(api_client, email, "wrong password", ip=f"198.51.100.{index + (0 if email == user.email else 50)}")

    known = login(api_client, user.email, DEFAULT_PASSWORD, ip="198.51.100.200")
    unknown = login(api_client, "ghost@example.com", DEFAULT_PASSWORD, ip="198.51.100.201")

    assert known.status_code == unknown.status_code == 429
    assert known.json()["error"] == unknown.json()["error"]


def test_registration_checks_the_password_before_saying_the_email_is_taken(api_client):
    """Probing for registered emails needs a strong password per attempt and is throttled per IP;
    `email_taken` itself is in the contract (API.md), so it is an accepted, documented disclosure."""
    user = UserFactory()

    response = api_client.post("/v1/auth/register", {"email": user.email, "password": "123"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "password"
