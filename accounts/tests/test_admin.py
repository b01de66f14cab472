"""The Django admin: users, and the audit log as a read-only record."""

import pytest

from accounts.models import AuditLogEntry, User
from accounts.services import audit_log_record
from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser(email="admin@example.com", password="admin-password-1")
    force_login_verified(client, admin)
    return client


@pytest.fixture
def entry(user) -> AuditLogEntry:
    return audit_log_record(
        action="wallet.created", actor=user, object_type="wallet", object_id="wal_x", request_id="req-1", ip="192.0.2.1"
    )


def test_admin_login_page_renders_with_debug_off(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


def test_audit_log_is_listed_in_the_admin(admin_client, entry):
    response = admin_client.get("/admin/accounts/auditlogentry/")

    assert response.status_code == 200
    assert b"wallet.created" in response.content


def test_audit_log_entry_can_be_viewed_but_not_changed(admin_client, entry):
    url = f"/admin/accounts/auditlogentry/{entry.pk}/change/"

    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"action": "tampered"})

    entry.refresh_from_db()
    assert entry.action == "wallet.created"


def test_audit_log_entries_cannot_be_added_in_the_admin(admin_client):
    assert admin_client.get("/admin/accounts/auditlogentry/add/").status_code == 403


def test_audit_log_entries_cannot_be_deleted_in_the_admin(admin_client, entry):
    response = admin_client.post(f"/admin/accounts/auditlogentry/{entry.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()


def test_audit_log_record_stores_actor_action_object_request_and_ip(entry, user):
    stored = AuditLogEntry.objects.get(pk=entry.pk)

    assert stored.actor == user
    assert (stored.action, stored.object_type, stored.object_id) == ("wallet.created", "wallet", "wal_x")
    assert stored.request_id == "req-1"
    assert stored.ip == "192.0.2.1"
    assert stored.created is not None


def test_users_are_listed_and_searchable_in_the_admin(admin_client):
    UserFactory(email="findme@example.com")

    response = admin_client.get("/admin/accounts/user/", {"q": "findme"})

    assert response.status_code == 200
    assert b"findme@example.com" in response.content


def test_admin_can_add_a_user_whose_email_is_stored_lowercase(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Person@Example.com",
            "password1": "violet-harbour-quantum-88",
            "password2": "violet-harbour-quantum-88",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    created = User.objects.get(email="new.person@example.com")
    assert created.password.startswith("bcrypt_sha256$")
