"""The admin's second factor with Django's test client: enrol, verify, idle timeout, the admin_otp command."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditLogEntry
from accounts.tests.factories import TOTPDeviceFactory, UserFactory
from accounts.tests.second_factor import current_code, force_login_verified

pytestmark = pytest.mark.django_db

PASSWORD = "staff-password-long-enough-1"


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True, password=PASSWORD)


@pytest.fixture
def device(staff):
    return TOTPDeviceFactory(user=staff)


def test_a_staff_user_without_a_device_is_sent_from_any_admin_page_to_enrolment(client, staff):
    client.force_login(staff)

    response = client.get("/admin/wallets/wallet/")

    assert response.status_code == 302
    assert response.url == "/admin/otp/enrol/?next=/admin/wallets/wallet/"


def test_a_staff_user_with_a_device_is_sent_to_verify_until_a_code_is_entered(client, staff, device):
    client.force_login(staff)

    response = client.get("/admin/")

    assert (response.status_code, response.url) == (302, "/admin/otp/verify/?next=/admin/")


def test_a_wrong_code_is_refused_and_the_admin_stays_closed(client, staff, device):
    client.force_login(staff)

    response = client.post("/admin/otp/verify/", {"token": "000000" if current_code(device) != "000000" else "111111"})

    assert response.status_code == 200
    assert "That code is not valid" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_the_right_code_opens_the_admin_and_returns_to_the_page_asked_for(client, staff, device):
    client.force_login(staff)

    response = client.post("/admin/otp/verify/", {"token": current_code(device), "next": "/admin/wallets/wallet/"})

    assert (response.status_code, response.url) == (302, "/admin/wallets/wallet/")
    assert client.get("/admin/wallets/wallet/").status_code == 200


def test_a_password_login_alone_does_not_open_the_admin(client, staff, device):
    response = client.post("/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD})

    assert response.status_code == 302
    followed = client.get(response.url)
    assert (followed.status_code, followed.url) == (302, "/admin/otp/verify/?next=/admin/")


def test_enrolment_shows_a_key_and_a_right_code_confirms_the_device_and_opens_the_admin(client, staff):
    client.force_login(staff)

    page = client.get("/admin/otp/enrol/").content.decode()
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert re.search(r'<code id="otp-secret">[A-Z2-7]{32,}</code>', page)
    assert "otpauth://totp/Payments%20Platform%3A" in page
    code = f"{totp(device.bin_key):06d}"
    response = client.post("/admin/otp/enrol/", {"token": code})

    assert (response.status_code, response.url) == (302, "/admin/")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200
    entry = AuditLogEntry.objects.get(action="admin.otp_enrolled")
    assert (entry.actor, entry.object_id) == (staff, staff.public_id)


def test_enrolment_with_a_wrong_code_confirms_nothing(client, staff):
    client.force_login(staff)
    client.get("/admin/otp/enrol/")

    response = client.post("/admin/otp/enrol/", {"token": "12345x"})

    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=staff, confirmed=True).exists()
    assert not AuditLogEntry.objects.filter(action="admin.otp_enrolled").exists()


def test_a_user_with_a_device_cannot_enrol_another_from_the_web(client, staff, device):
    client.force_login(staff)

    response = client.get("/admin/otp/enrol/")

    assert response.url == "/admin/otp/verify/"
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_the_second_factor_pages_send_an_anonymous_visitor_to_the_login(client):
    response = client.get("/admin/otp/verify/")

    assert response.url.startswith("/admin/login/")


def test_an_idle_admin_session_ends_and_the_next_request_must_sign_in_again(client, staff):
    force_login_verified(client, staff)
    assert client.get("/admin/").status_code == 200

    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/admin/")

    assert (response.status_code, response.url) == (302, "/admin/login/?next=/admin/")


def test_each_admin_request_pushes_the_idle_deadline_forward(client, staff, settings):
    force_login_verified(client, staff)
    before = timezone.now()

    client.get("/admin/")

    expires = Session.objects.get().expire_date
    assert expires >= before + timedelta(seconds=settings.SESSION_COOKIE_AGE)


def test_admin_otp_enrol_replaces_the_devices_prints_the_key_once_and_is_audited(staff, device):
    out = StringIO()

    call_command("admin_otp", "enrol", staff.email, stdout=out)

    [new] = TOTPDevice.objects.filter(user=staff)
    assert new.pk != device.pk and new.confirmed
    assert "otpauth://totp/" in out.getvalue()
    assert AuditLogEntry.objects.get(action="admin.otp_enrolled").details["devices_removed"] == 1


def test_admin_otp_reset_removes_the_devices_so_the_next_login_enrols_again(client, staff, device):
    call_command("admin_otp", "reset", staff.email, stdout=StringIO())

    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert AuditLogEntry.objects.filter(action="admin.otp_reset", object_id=staff.public_id).exists()
    client.force_login(staff)
    assert client.get("/admin/").url == "/admin/otp/enrol/?next=/admin/"


def test_admin_otp_status_says_whether_a_device_is_confirmed(staff, device):
    out = StringIO()

    call_command("admin_otp", "status", staff.email, stdout=out)

    assert "1 confirmed TOTP device(s)" in out.getvalue()


def test_admin_otp_refuses_an_unknown_email(db):
    with pytest.raises(CommandError, match="No user with email"):
        call_command("admin_otp", "reset", "nobody@example.com", stdout=StringIO())


def test_the_enrolment_page_lists_none_of_the_admins_models(client, staff):
    client.force_login(staff)

    page = client.get("/admin/otp/enrol/").content.decode()

    assert "/admin/wallets/wallet/" not in page
    assert "/admin/ledger/" not in page
