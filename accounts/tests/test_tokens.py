"""POST /v1/auth/token, /v1/auth/token/refresh and /v1/auth/logout."""

import pytest
from rest_framework.test import APIClient

from accounts.models import RevokedRefreshToken
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from payments_platform.tests.support import bearer, run_in_threads

pytestmark = pytest.mark.django_db


def obtain(client, email, password=DEFAULT_PASSWORD, **extra):
    return client.post("/v1/auth/token", {"email": email, "password": password}, format="json", **extra)


def refresh(client, token):
    return client.post("/v1/auth/token/refresh", {"refresh": token}, format="json")


@pytest.fixture
def pair(api_client, user) -> dict:
    return obtain(api_client, user.email).json()["data"]


def test_token_returns_an_access_refresh_pair(api_client, user, settings):
    response = obtain(api_client, user.email)

    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"access", "refresh", "token_type", "expires_in"}
    assert data["token_type"] == "Bearer"
    assert data["expires_in"] == int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds())


def test_access_token_from_login_opens_me(api_client, user, pair):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")

    response = api_client.get("/v1/me")

    assert response.status_code == 200
    assert response.json()["data"]["id"] == user.public_id


def test_login_email_is_case_insensitive(api_client, user):
    response = obtain(api_client, user.email.upper())

    assert response.status_code == 200


def test_wrong_password_is_401_invalid_credentials(api_client, user):
    response = obtain(api_client, user.email, password="wrong password")

    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_unknown_email_and_wrong_password_give_identical_errors(api_client, user):
    wrong_password = obtain(api_client, user.email, password="wrong password").json()
    unknown_email = obtain(api_client, "nobody@example.com", password="wrong password").json()

    del wrong_password["trace_id"], unknown_email["trace_id"]
    assert wrong_password == unknown_email


def test_deactivated_user_cannot_log_in(api_client):
    inactive = UserFactory(is_active=False)

    response = obtain(api_client, inactive.email)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_login_response_is_never_stored_for_idempotency(auth_client, user):
    first = obtain(auth_client, user.email, HTTP_IDEMPOTENCY_KEY="login-key")
    second = obtain(auth_client, user.email, HTTP_IDEMPOTENCY_KEY="login-key")

    assert first.status_code == second.status_code == 200
    assert "Idempotent-Replayed" not in second


def test_refresh_returns_a_new_pair(api_client, pair):
    response = refresh(api_client, pair["refresh"])

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["token_type"] == "Bearer"
    assert data["refresh"] != pair["refresh"]
    assert data["access"] != pair["access"]


def test_reusing_a_rotated_refresh_token_is_401(api_client, pair):
    refresh(api_client, pair["refresh"])

    response = refresh(api_client, pair["refresh"])

    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
    assert response.json()["error"]["code"] == "token_invalid"


def test_rotated_refresh_token_is_recorded_by_jti_only(api_client, pair):
    refresh(api_client, pair["refresh"])

    revoked = RevokedRefreshToken.objects.get()
    assert pair["refresh"] not in revoked.jti
    assert len(revoked.jti) <= 64


def test_the_new_refresh_token_keeps_working(api_client, pair):
    rotated = refresh(api_client, pair["refresh"]).json()["data"]

    response = refresh(api_client, rotated["refresh"])

    assert response.status_code == 200


def test_access_token_is_refused_as_a_refresh_token(api_client, pair):
    response = refresh(api_client, pair["access"])

    assert response.status_code == 401


@pytest.mark.parametrize("token", ["garbage", "", "a.b.c"], ids=["garbage", "empty", "three-parts"])
def test_malformed_refresh_token_is_rejected(api_client, token):
    response = refresh(api_client, token)

    assert response.status_code in (400, 401)
    assert response.json()["success"] is False


def test_refresh_for_a_deactivated_user_is_401(api_client, user, pair):
    user.is_active = False
    user.save()

    assert refresh(api_client, pair["refresh"]).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_of_one_token_let_exactly_one_succeed():
    user = UserFactory()
    token = obtain(APIClient(), user.email).json()["data"]["refresh"]
    statuses: list[int] = []
    run_in_threads(2, lambda _: statuses.append(refresh(APIClient(), token).status_code), timeout=20)

    assert sorted(statuses) == [200, 401]


def test_logout_returns_200_and_revokes_the_refresh_token(api_client, user, pair):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")

    response = api_client.post("/v1/auth/logout", {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 200
    assert response.json()["data"] == {"logged_out": True}
    assert refresh(APIClient(), pair["refresh"]).status_code == 401


def test_logout_requires_an_access_token(api_client, pair):
    response = api_client.post("/v1/auth/logout", {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 401
    assert refresh(api_client, pair["refresh"]).status_code == 200


def test_logout_with_another_users_refresh_token_is_refused(api_client, other_user, pair):
    api_client.credentials(HTTP_AUTHORIZATION=bearer(other_user))

    response = api_client.post("/v1/auth/logout", {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 401
    assert refresh(APIClient(), pair["refresh"]).status_code == 200


def test_logout_without_refresh_is_400_parameter_missing(auth_client):
    response = auth_client.post("/v1/auth/logout", {}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "refresh"
