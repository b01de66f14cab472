"""The admin's second factor: TOTP (django-otp), as PCI DSS 8.4 asks for administrative access.

A staff user signs in with email and password, then, on the same session:
- with a confirmed TOTP device: enters a code at `/admin/otp/verify/`;
- without one: enrols at `/admin/otp/enrol/` (scans the otpauth URI, proves it with a code).
Until then `AdminSecondFactorMiddleware` lets the session reach no admin page but login,
logout, verify and enrol. Operators enrol or reset a device with `manage.py admin_otp`.
Every enrolment and reset is in the audit log. Admin sessions end after
ADMIN_SESSION_IDLE_SECONDS without a request (settings: SESSION_SAVE_EVERY_REQUEST).
"""

import structlog
from django import forms
from django.contrib import admin
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditAction
from accounts.services import audit_log_record
from accounts.views import client_ip

logger = structlog.get_logger(__name__)

DEVICE_NAME = "admin"


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code from your authenticator app",
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _staff_session(request) -> bool:
    return request.user.is_authenticated and request.user.is_active and request.user.is_staff


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("admin:index")


def _render(request, template: str, context: dict):
    """An admin-styled page that lists none of the admin's apps: the session is not verified yet."""
    base = {**admin.site.each_context(request), "available_apps": [], "is_nav_sidebar_enabled": False}
    return render(request, template, {**base, "next": _next_url(request), **context})


@never_cache
@csrf_protect
def verify(request):
    """Ask a signed-in staff user with a device for a code; a right one verifies the session."""
    if not _staff_session(request):
        return redirect(f"{reverse('admin:login')}?next={reverse('admin:index')}")
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not user_has_device(request.user):
        return redirect(reverse("admin_otp_enrol"))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            logger.info("admin_otp_verified", user_id=request.user.public_id)
            return redirect(_next_url(request))
        logger.warning("admin_otp_rejected", user_id=request.user.public_id, ip=client_ip(request))
        form.add_error("token", "That code is not valid. Enter the current code from your authenticator app.")
    return _render(request, "accounts/otp_verify.html", {"title": "Second factor", "form": form})


@never_cache
@csrf_protect
def enrol(request):
    """Enrol a TOTP device for a signed-in staff user who has none: show its key once per enrolment,
    confirm it with a code, verify the session. A user with a device is sent to verify instead:
    replacing a device takes an operator (`manage.py admin_otp reset`)."""
    if not _staff_session(request):
        return redirect(f"{reverse('admin:login')}?next={reverse('admin_otp_enrol')}")
    if user_has_device(request.user):
        return redirect(reverse("admin_otp_verify"))
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name=DEVICE_NAME, confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit_log_record(
                    action=AuditAction.ADMIN_OTP_ENROLLED,
                    actor=request.user,
                    object_type="user",
                    object_id=request.user.public_id,
                    ip=client_ip(request),
                    details={"device": device.persistent_id},
                )
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", "That code is not valid. Check the key you added and enter the current code.")
    secret = device.config_url.split("secret=")[1].split("&")[0]
    return _render(
        request,
        "accounts/otp_enrol.html",
        {"title": "Set up your second factor", "form": form, "config_url": device.config_url, "secret": secret},
    )


def admin_otp_urls():
    """The enrol and verify pages, mounted beside the admin (payments_platform/urls.py)."""
    return [
        path("verify/", verify, name="admin_otp_verify"),
        path("enrol/", enrol, name="admin_otp_enrol"),
    ]


class AdminSecondFactorMiddleware:
    """Staff sessions reach the admin only once verified with a TOTP device (after OTPMiddleware).

    An unverified staff session asking for any admin page other than login and logout is sent
    to verify (has a device) or enrol (has none), with the page it asked for as `next`.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_root = None  # reverse("admin:index"), looked up once: every API request passes here

    def __call__(self, request):
        if self.admin_root is None:
            self.admin_root = reverse("admin:index")
        if request.path.startswith(self.admin_root) and _staff_session(request) and not request.user.is_verified():
            open_paths = {
                reverse("admin:login"),
                reverse("admin:logout"),
                reverse("admin_otp_verify"),
                reverse("admin_otp_enrol"),
            }
            if request.path not in open_paths:
                target = "admin_otp_verify" if user_has_device(request.user) else "admin_otp_enrol"
                return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


def admin_site_requires_verification() -> None:
    """Belt and braces: the admin site itself also refuses unverified sessions."""
    site_has_permission = admin.site.has_permission

    def has_permission(request) -> bool:
        return site_has_permission(request) and request.user.is_verified()

    admin.site.has_permission = has_permission
