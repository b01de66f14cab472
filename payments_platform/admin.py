"""Admin building blocks every app uses."""

from django.contrib import admin

from payments_platform.models import JobRun


class _NoWrites:
    """No add, change or delete, for superusers too: the rows are a record."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(_NoWrites, admin.ModelAdmin):
    """A model admin that only shows its rows."""


class ReadOnlyInline(_NoWrites, admin.TabularInline):
    """A tabular inline that only lists the related rows: no blank forms, no delete boxes."""

    extra = 0
    can_delete = False


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    """The scheduler's record of each periodic job run (`manage.py run_scheduler`)."""

    list_display = ["job", "started_at", "finished_at", "outcome"]
    list_filter = ["outcome", "job"]
    search_fields = ["job", "detail"]
    date_hierarchy = "started_at"
