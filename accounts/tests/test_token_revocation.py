"""Authentication from the cached user (accounts.user_cache), and what ends a user's tokens at once:
deactivation, logging out everywhere and a password change, against the real Redis and PostgreSQL."""

import threading

import pytest
from django.contrib.auth.hashers import make_password
from rest_framework.test import APIClient

from accounts import services, user_cache
from accounts.models import AuditLogEntry, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tests.second_factor import force_login_verified
from payments_platform.api.errors import ParameterInvalid
from payments_platform.tests.support import run_in_threads

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> dict:
    """An access/refresh pair from POST /v1/auth/token (so it carries the user's token version)."""
    response = APIClient().post("/v1/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()["data"]


def me(access: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/v1/me")


def refresh(token: str):
    return APIClient().post("/v1/auth/token/refresh", {"refresh": token}, format="json")


# --- No query per request ------------------------------------------------------------


def test_the_first_authenticated_request_loads_its_user_with_one_query(user, django_assert_max_num_queries):
    access = logged_in(user)["access"]

    with django_assert_max_num_queries(1):
        assert me(access).status_code == 200


def test_an_authenticated_request_makes_no_query_once_its_user_is_cached(user, django_assert_max_num_queries):
    access = logged_in(user)["access"]
    me(access)

    with django_assert_max_num_queries(0):
        response = me(access)

    assert response.status_code == 200
    assert response.json()["data"]["email"] == user.email


def test_the_cached_user_never_holds_the_password_hash(user):
    me(logged_in(user)["access"])

    cached = user_cache.user_get(user.public_id)

    assert "password" in cached.get_deferred_fields()


def test_saving_a_user_built_from_the_cache_keeps_their_password(user):
    me(logged_in(user)["access"])
    cached = user_cache.user_get(user.public_id)
    cached.name = "Renamed"

    cached.save()

    assert User.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)


def test_a_changed_name_is_seen_on_the_next_request(user):
    access = logged_in(user)["access"]
    me(access)
    user.name = "New Name"
    user.save(update_fields=["name"])

    assert me(access).json()["data"]["name"] == "New Name"


# --- Refused on the very next request ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_deactivated_user_is_refused_on_the_very_next_request():
    user = UserFactory()
    access = logged_in(user)["access"]
    assert me(access).status_code == 200  # the user is now cached

    services.user_deactivate(user=user)

    assert me(access).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_user_deactivated_by_a_plain_save_is_refused_on_the_very_next_request():
    """The admin's "active" checkbox and a shell both come down to User.save()."""
    user = UserFactory()
    access = logged_in(user)["access"]
    me(access)
    user.is_active = False
    user.save()

    assert me(access).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_tokens_from_before_a_deactivation_stay_refused_after_reactivation():
    user = UserFactory()
    pair = logged_in(user)
    services.user_deactivate(user=user)
    user = User.objects.get(pk=user.pk)
    user.is_active = True
    user.save()

    assert me(pair["access"]).status_code == 401
    assert refresh(pair["refresh"]).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_logging_out_everywhere_refuses_the_access_token_on_the_very_next_request():
    user = UserFactory()
    access = logged_in(user)["access"]
    me(access)

    services.user_logout_everywhere(user=user)

    assert me(access).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_logging_out_everywhere_refuses_the_refresh_token():
    user = UserFactory()
    pair = logged_in(user)

    services.user_logout_everywhere(user=user)

    assert refresh(pair["refresh"]).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_logging_in_again_after_logging_out_everywhere_works():
    user = UserFactory()
    services.user_logout_everywhere(user=user)

    pair = logged_in(user)

    assert me(pair["access"]).status_code == 200
    assert refresh(pair["refresh"]).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_password_change_refuses_tokens_issued_before_it_on_the_very_next_request():
    user = UserFactory()
    pair = logged_in(user)
    me(pair["access"])

    services.user_password_change(user=user, password="a-new-password-that-is-long-77")

    assert me(pair["access"]).status_code == 401
    assert refresh(pair["refresh"]).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_password_set_outside_the_services_refuses_older_tokens_too():
    """The admin's password form and `manage.py changepassword` call set_password() and save()."""
    user = UserFactory()
    access = logged_in(user)["access"]
    me(access)
    user.set_password("a-new-password-that-is-long-77")
    user.save()

    assert me(access).status_code == 401


def test_a_password_hash_upgrade_at_login_is_not_a_password_change(settings):
    settings.PASSWORD_HASHERS = [
        "accounts.tests.hashers.FastBCryptSHA256PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(password=make_password(DEFAULT_PASSWORD, hasher="pbkdf2_sha256"))

    access = logged_in(user)["access"]  # the login rehashes the password with bcrypt

    assert User.objects.get(pk=user.pk).password.startswith("bcrypt")
    assert me(access).status_code == 200


def test_a_weak_new_password_is_refused_and_older_tokens_keep_working(user):
    access = logged_in(user)["access"]

    with pytest.raises(ParameterInvalid):
        services.user_password_change(user=user, password="123")

    assert me(access).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_request_that_read_the_user_before_a_deactivation_cannot_cache_it_back():
    """The race the scheme closes: a request reads the row, the change commits, then the request's
    cache fill arrives. Fills never overwrite (`cache.add`), and the commit wrote the new state."""
    user = UserFactory()
    access = logged_in(user)["access"]
    read_before = User.objects.get(pk=user.pk)

    services.user_deactivate(user=user)
    user_cache.remember(read_before)

    assert me(access).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_no_request_after_a_deactivation_succeeds_while_others_are_in_flight():
    """Four clients keep calling GET /v1/me while the user is deactivated; once the deactivation has
    returned, every request of every client is a 401."""
    user = UserFactory()
    access = logged_in(user)["access"]
    deactivated = threading.Event()
    after: list[int] = []

    def client_or_deactivate(index: int) -> None:
        if index == 0:
            services.user_deactivate(user=user)
            deactivated.set()
            return
        for _ in range(200):
            was_deactivated = deactivated.is_set()
            status = me(access).status_code
            if was_deactivated:
                after.append(status)
                if len(after) >= 3 * index:
                    return

    run_in_threads(5, client_or_deactivate, timeout=60)

    assert after
    assert set(after) == {401}


# --- Audit and the admin ------------------------------------------------------------------


def test_a_deactivation_is_audited(user, other_user):
    services.user_deactivate(user=user, actor=other_user, request_id="req-deactivate")

    entry = AuditLogEntry.objects.get(action="user.deactivated")
    assert (entry.actor, entry.object_id, entry.request_id) == (other_user, user.public_id, "req-deactivate")


def test_logging_out_everywhere_is_audited(user):
    services.user_logout_everywhere(user=user, actor=user)

    assert AuditLogEntry.objects.filter(action="user.logged_out_everywhere", object_id=user.public_id).exists()


def test_a_password_change_is_audited_without_the_password(user):
    services.user_password_change(user=user, password="a-new-password-that-is-long-77")

    entry = AuditLogEntry.objects.get(action="user.password_changed")
    assert "a-new-password" not in str(entry.details)


def test_the_admin_action_logs_the_selected_users_out_everywhere(client, user):
    admin = User.objects.create_superuser(email="admin@example.com", password="admin-password-1")
    force_login_verified(client, admin)
    access = logged_in(user)["access"]

    response = client.post(
        "/admin/accounts/user/", {"action": "log_out_everywhere", "_selected_action": [user.pk]}, follow=True
    )

    assert response.status_code == 200
    assert me(access).status_code == 401
    assert AuditLogEntry.objects.filter(action="user.logged_out_everywhere", actor=admin).exists()
