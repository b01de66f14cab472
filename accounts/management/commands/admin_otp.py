"""`manage.py admin_otp enrol|reset|status EMAIL`: a staff user's admin second factor (TOTP)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditAction, User
from accounts.second_factor import DEVICE_NAME
from accounts.services import audit_log_record


class Command(BaseCommand):
    help = (
        "enrol EMAIL: replace the user's TOTP devices with a new one and print its key and otpauth URI "
        "(once: add it to an authenticator app). reset EMAIL: delete them; the user enrols again at the "
        "next admin login. status EMAIL: say whether the user has a confirmed device. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["enrol", "reset", "status"])
        parser.add_argument("email")

    def handle(self, *args, action: str, email: str, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with email {email}.")
        devices = TOTPDevice.objects.filter(user=user)
        if action == "status":
            confirmed = devices.filter(confirmed=True).count()
            staff = "staff" if user.is_staff else "not staff"
            self.stdout.write(f"{user.email} ({staff}): {confirmed} confirmed TOTP device(s).")
            return
        with transaction.atomic():
            removed, _ = devices.delete()
            device = None
            if action == "enrol":
                device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
            audit_log_record(
                action=AuditAction.ADMIN_OTP_ENROLLED if device else AuditAction.ADMIN_OTP_RESET,
                object_type="user",
                object_id=user.public_id,
                details={"via": "manage.py admin_otp", "devices_removed": removed},
            )
        if device is None:
            self.stdout.write(f"Removed {removed} device(s) of {user.email}; they enrol again at the next admin login.")
            return
        secret = device.config_url.split("secret=")[1].split("&")[0]
        self.stdout.write(f"Enrolled a TOTP device for {user.email} (removed {removed}). Shown once:")
        self.stdout.write(f"  key: {secret}")
        self.stdout.write(f"  otpauth URI: {device.config_url}")
