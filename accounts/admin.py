"""Operators' views of users and the (read-only) audit log."""

import json

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from rangefilter.filters import DateRangeFilter

from accounts import services
from accounts.errors import LoginThrottled
from accounts.models import ApiKey, AuditLogEntry, User
from accounts.second_factor import admin_site_requires_verification
from accounts.throttling import login_failure_record, login_throttle_check
from accounts.views import client_ip
from payments_platform.admin import CSVExportMixin, ReadOnlyAdmin, ReadOnlyInline, admin_link, changelist_link
from payments_platform.middleware import request_id_of


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


class ApiKeyInline(ReadOnlyInline):
    """A user's keys on their page: names, redacted secrets, scopes and dates, never a secret or its hash."""

    model = ApiKey
    fk_name = "user"
    fields = ["public_id", "name", "redacted", "scopes", "expires_at", "revoked_at", "last_used_at", "created"]
    readonly_fields = fields


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["-created"]
    list_display = ["email", "public_id", "name", "is_active", "is_staff", "created"]
    search_fields = ["email", "public_id", "name"]
    list_filter = ["is_active", "is_staff", ("created", DateRangeFilter)]
    readonly_fields = ["public_id", "created", "last_login", "money_links"]
    fieldsets = [
        (None, {"fields": ["public_id", "email", "password", "name"]}),
        ("Money", {"fields": ["money_links"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["created", "last_login"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    inlines = [ApiKeyInline]
    actions = ["log_out_everywhere"]

    @admin.action(description="Log out everywhere (refuse every token they hold)")
    def log_out_everywhere(self, request, queryset):
        """Unchecking "active" or changing the password here ends a user's tokens as well (User.save)."""
        for user in queryset.order_by("pk"):
            services.user_logout_everywhere(
                user=user, actor=request.user, request_id=request_id_of(request), ip=client_ip(request)
            )
        self.message_user(request, f"Logged out everywhere: {queryset.count()} user(s).")

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a user being added has no keys yet

    @admin.display(description="wallets, payments and more")
    def money_links(self, user: User):
        """Links to this user's rows in the other apps' lists (by model label: accounts imports none of them)."""
        if user.pk is None:
            return "-"
        links = [
            changelist_link("wallets.wallet", "wallets", user__id__exact=user.pk),
            changelist_link("payments.paymentintent", "payment intents", user__id__exact=user.pk),
            changelist_link("payments.refund", "refunds", user__id__exact=user.pk),
            changelist_link("wallets.transfer", "transfers sent", sender__id__exact=user.pk),
            changelist_link("wallets.transfer", "transfers received", recipient__id__exact=user.pk),
            changelist_link("wallets.payout", "payouts", user__id__exact=user.pk),
            changelist_link("fraud.review", "reviews", user__id__exact=user.pk),
            changelist_link(AuditLogEntry, "audit log as actor", actor__id__exact=user.pk),
        ]
        return format_html(" · ".join(["{}"] * len(links)), *links)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(CSVExportMixin, ReadOnlyAdmin):
    list_display = ["created", "action", "actor", "object_type", "object_link", "request_id", "ip"]
    list_filter = ["action", "object_type", ("created", DateRangeFilter)]
    csv_columns = [
        ("created", lambda row: row.created),
        ("action", lambda row: row.action),
        ("actor", lambda row: row.actor.email if row.actor_id else ""),
        ("object_type", lambda row: row.object_type),
        ("object_id", lambda row: row.object_id),
        ("request_id", lambda row: row.request_id),
        ("ip", lambda row: row.ip or ""),
        ("details", lambda row: json.dumps(row.details, sort_keys=True)),
    ]

    @admin.display(description="object", ordering="object_id")
    def object_link(self, entry: AuditLogEntry):
        return admin_link(entry.object_id)

    search_fields = ["object_id", "request_id", "actor__email", "action"]
    list_select_related = ["actor"]


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    """API keys by user. The secret is never stored; its hash and lookup prefix are not shown either."""

    list_display = ["public_id", "user", "name", "redacted", "scopes", "expires_at", "revoked_at", "last_used_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["public_id", "name", "user__email", "user__public_id"]
    list_select_related = ["user"]
    ordering = ["user__email", "-created"]
    fields = [
        "public_id",
        "user",
        "name",
        "redacted",
        "scopes",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "rolled_from",
        "created",
    ]
    readonly_fields = fields
