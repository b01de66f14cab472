"""Signing a test client in to the admin with both factors: a password session plus a verified TOTP device."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import TOTPDeviceFactory


def force_login_verified(client: Client, user) -> TOTPDevice:
    """`client.force_login(user)`, then a confirmed TOTP device verified on that session, as after
    a right code at /admin/otp/verify/. The admin refuses a staff session without this step."""
    client.force_login(user)
    device = TOTPDeviceFactory(user=user, name="test")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows for `device` now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
