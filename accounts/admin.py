"""Operators' views of users and the (read-only) audit log."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import AuditLogEntry, User
from payments_platform.admin import ReadOnlyAdmin


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
