"""Operators' views of users and the (read-only) audit log."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError

from accounts.errors import LoginThrottled
from accounts.models import AuditLogEntry, User
from accounts.second_factor import admin_site_requires_verification
from accounts.throttling import login_failure_record, login_throttle_check
from accounts.views import client_ip
from payments_platform.admin import ReadOnlyAdmin


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin login, throttled by the API's failed-login counters (per client IP and per email).

    Failures here and at `POST /v1/auth/token` count together; once throttled, even the right
    password is refused until the window ends.
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": LoginThrottled.default_message,
    }

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request is not None else None
        try:
            login_throttle_check(ip=ip, email=email)
        except LoginThrottled:
            raise ValidationError(self.error_messages["throttled"], code="throttled") from None
        try:
            return super().clean()
        except ValidationError as error:
            if error.code in ("invalid_login", "inactive"):
                login_failure_record(ip=ip, email=email)
            raise


admin.site.login_form = ThrottledAdminAuthenticationForm
admin_site_requires_verification()


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["-created"]
    list_display = ["email", "public_id", "name", "is_active", "is_staff", "created"]
    search_fields = ["email", "public_id", "name"]
    list_filter = ["is_active", "is_staff"]
    readonly_fields = ["public_id", "created", "last_login"]
    fieldsets = [
        (None, {"fields": ["public_id", "email", "password", "name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["created", "last_login"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["created", "action", "actor", "object_type", "object_id", "request_id", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "request_id", "actor__email", "action"]
    date_hierarchy = "created"
    list_select_related = ["actor"]
