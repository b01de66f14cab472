"""GET /v1/me and what every bearer-protected route refuses: tampered, forged and stale tokens."""

import base64
import datetime as dt
import json

import jwt
import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

pytestmark = pytest.mark.django_db


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_for(user, **overrides) -> dict:
    now = int(dt.datetime.now(tz=dt.UTC).timestamp())
    claims = {"token_type": "access", "exp": now + 300, "iat": now, "jti": "a" * 32, "sub": user.public_id}
    claims.update(overrides)
    return claims


def signed(claims: dict, key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key or settings.SIMPLE_JWT["SIGNING_KEY"], algorithm=algorithm)


def me(client, token: str):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get("/v1/me")


def assert_401(response) -> None:
    assert response.status_code == 401
    body = response.json()
    assert body["success"] is False
    assert body["error"]["type"] == "authentication_error"


def test_me_returns_the_current_user(auth_client, user):
    response = auth_client.get("/v1/me")

    assert response.status_code == 200
    assert response.json()["data"] == {
        "id": user.public_id,
        "object": "user",
        "email": user.email,
        "name": user.name,
        "created": int(user.created.timestamp()),
    }


def test_me_without_a_token_is_401(api_client):
    assert_401(api_client.get("/v1/me"))


def test_a_hand_built_valid_token_is_accepted(api_client, user):
    """Control for the forgery tests below: the helper builds tokens the API accepts."""
    assert me(api_client, signed(claims_for(user))).status_code == 200


def test_token_with_a_tampered_payload_is_401(api_client, user, other_user):
    header, _payload, signature = str(AccessToken.for_user(user)).split(".")
    forged_payload = b64(claims_for(other_user))

    assert_401(me(api_client, f"{header}.{forged_payload}.{signature}"))


def test_token_with_a_tampered_signature_is_401(api_client, user):
    token = str(AccessToken.for_user(user))
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]

    assert_401(me(api_client, flipped))


def test_alg_none_token_is_401(api_client, user):
    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims_for(user))}."

    assert_401(me(api_client, token))


def test_token_signed_with_another_key_is_401(api_client, user):
    assert_401(me(api_client, signed(claims_for(user), key="another-key-that-is-long-enough-for-hs256!")))


def test_token_signed_with_another_algorithm_is_401(api_client, user):
    assert_401(me(api_client, signed(claims_for(user), algorithm="HS384")))


def test_expired_token_is_401(api_client, user):
    now = int(dt.datetime.now(tz=dt.UTC).timestamp())

    assert_401(me(api_client, signed(claims_for(user, iat=now - 600, exp=now - 1))))


def test_token_not_valid_before_a_future_time_is_401(api_client, user):
    now = int(dt.datetime.now(tz=dt.UTC).timestamp())

    assert_401(me(api_client, signed(claims_for(user, nbf=now + 120))))


def test_token_issued_in_the_future_is_401(api_client, user):
    now = int(dt.datetime.now(tz=dt.UTC).timestamp())

    assert_401(me(api_client, signed(claims_for(user, iat=now + 120))))


def test_refresh_token_used_as_an_access_token_is_401(api_client, user):
    assert_401(me(api_client, str(RefreshToken.for_user(user))))


def test_token_of_a_deleted_user_is_401(api_client, user):
    """A validly signed token whose subject no longer exists (deleting users may be PROTECTed by money rows)."""
    token = signed(claims_for(user, sub="usr_deletedlongago000000000"))

    assert_401(me(api_client, token))


def test_token_of_a_deactivated_user_is_401(api_client, user):
    token = str(AccessToken.for_user(user))
    user.is_active = False
    user.save()

    assert_401(me(api_client, token))


def test_token_without_a_subject_is_401(api_client, user):
    claims = claims_for(user)
    del claims["sub"]

    assert_401(me(api_client, signed(claims)))


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer a b", "Token abc", "Basic dXNlcjpwYXNz", "bearer"],
)
def test_malformed_authorization_header_is_401(api_client, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)

    assert_401(api_client.get("/v1/me"))


def test_access_token_keeps_working_after_logout_until_it_expires(api_client, user):
    """Logout revokes the refresh token; access tokens are short-lived (documented)."""
    refresh = RefreshToken.for_user(user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}")
    api_client.post("/v1/auth/logout", {"refresh": str(refresh)}, format="json")

    assert api_client.get("/v1/me").status_code == 200
