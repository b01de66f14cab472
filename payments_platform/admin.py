"""Admin building blocks every app uses: read-only admins, the one link helper, CSV export,
confirmation and refusal pages, and the operator's request id and IP."""

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from operator import attrgetter

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from rest_framework.throttling import BaseThrottle

from payments_platform.api.ids import PublicIdField
from payments_platform.models import JobRun
from payments_platform.money import format_amount, money_html


class _NoWrites:
    """No add, change or delete, for superusers too: the rows are a record."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Links: one helper for every admin link -------------------------------------------------


@cache
def _models_by_prefix() -> dict[str, type]:
    """`"tr"` -> Transfer, `"pi"` -> PaymentIntent, ...: every model with a `PublicIdField`."""
    found = {}
    for model in apps.get_models():
        for field in model._meta.fields:
            if isinstance(field, PublicIdField):
                found[field.prefix] = model
    return found


def model_for_public_id(public_id: str):
    prefix = (public_id or "").partition("_")[0]
    return _models_by_prefix().get(prefix)


def admin_link(target, text=None):
    """A link to `target`'s admin page: a model instance, or a public id (`tr_…`, `pi_…`, `je_…`).

    A public id needs no query: it links to `/admin/go/<id>`, which finds the row and redirects.
    Anything without an admin page (or an empty id) is shown as plain text.
    """
    if target is None or target == "":
        return "-"
    if isinstance(target, str):
        model = model_for_public_id(target)
        if model is None or not admin.site.is_registered(model):
            return target
        return format_html('<a href="{}">{}</a>', reverse("admin_go", args=[target]), text or target)
    opts = target._meta
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[target.pk])
    except NoReverseMatch:
        return str(text or target)
    return format_html('<a href="{}">{}</a>', url, text or getattr(target, "public_id", None) or str(target))


def changelist_link(model, text: str, **filters):
    """A link to `model`'s list (a model or "app_label.modelname") filtered by `filters` (e.g. `user__id__exact=3`)."""
    if isinstance(model, str):
        app_label, model_name = model.lower().split(".")
    else:
        app_label, model_name = model._meta.app_label, model._meta.model_name
    try:
        url = reverse(f"admin:{app_label}_{model_name}_changelist")
    except NoReverseMatch:
        return text
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return format_html('<a href="{}?{}">{}</a>', url, query, text)


def linked_rows(rows: Iterable, *, label: str):
    """Links to each of `rows`, each followed by its `label` attribute in brackets
    (`je_… (transfer), je_… (reversal)`); "-" when there is none."""
    return format_html_join(", ", "{} ({})", ((admin_link(row), getattr(row, label)) for row in rows)) or "-"


# --- Money columns ----------------------------------------------------------------------------


def money_column(field: str, description: str):
    """A display column: the row's `field` (minor units) formatted in the row's currency."""

    @admin.display(description=description, ordering=field)
    def show(self, obj):
        return money_html(getattr(obj, field), obj.currency)

    return show


def csv_amount_columns(field: str = "amount"):
    """The two CSV columns of a money field: `<field>_minor` (minor units) and `<field>` (formatted)."""
    return [
        (f"{field}_minor", attrgetter(field)),
        (field, lambda row: format_amount(getattr(row, field), row.currency)),
    ]


@staff_member_required
def go_to_public_id(request: HttpRequest, public_id: str):
    """`/admin/go/<public id>`: redirect to that object's admin page (404 when there is none)."""
    model = model_for_public_id(public_id)
    if model is None or not admin.site.is_registered(model):
        raise Http404(f"No admin page for {public_id!r}.")
    obj = model._default_manager.filter(public_id=public_id).only("pk").first()
    if obj is None:
        raise Http404(f"No such object: {public_id!r}.")
    opts = model._meta
    return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))


admin_go_urls = [path("admin/go/<str:public_id>", go_to_public_id, name="admin_go")]


# --- The operator behind a request ------------------------------------------------------------


def operator_request(request: HttpRequest) -> tuple[str, str | None]:
    """The operator request's id (from RequestIdMiddleware) and client IP, for entries and audit records."""
    return getattr(request, "request_id", "") or "", BaseThrottle().get_ident(request) or None


def refusal(request: HttpRequest, *, title: str, reason: str, back_url: str | None = None, status: int = 403):
    """A refusal inside the admin (with its header, breadcrumbs and the reason), not a bare 403 page."""
    context = {
        **admin.site.each_context(request),
        "title": title,
        "reason": reason,
        "back_url": back_url or reverse("admin:index"),
    }
    return TemplateResponse(request, "admin/platform/refusal.html", context, status=status)


@dataclass(frozen=True)
class Movement:
    """One line of a confirmation page: what will move on which account."""

    account: object  # html or text
    debit: object = ""
    credit: object = ""
    before: object = ""
    after: object = ""


def money_movement(*, account, currency: str, debit: int = 0, credit: int = 0, before: int, after: int) -> Movement:
    """A confirmation line in money: the debit or the credit (minor units, 0 for none) and the
    account's balance before and after, each formatted in `currency`."""
    return Movement(
        account=account,
        debit=money_html(debit, currency) if debit else "",
        credit=money_html(credit, currency) if credit else "",
        before=money_html(before, currency),
        after=money_html(after, currency),
    )


def confirmation(
    request: HttpRequest,
    *,
    title: str,
    summary: str,
    movements: Iterable[Movement] = (),
    facts: Iterable[tuple[str, object]] = (),
    confirm_label: str,
    cancel_url: str,
    hidden: Iterable[tuple[str, object]] = (),
    ask_reason: bool = False,
):
    """The page every money action shows first: what will move, then a Confirm button (a POST with `confirm=yes`)."""
    context = {
        **admin.site.each_context(request),
        "title": title,
        "summary": summary,
        "movements": list(movements),
        "facts": list(facts),
        "confirm_label": confirm_label,
        "cancel_url": cancel_url,
        "hidden": list(hidden),
        "ask_reason": ask_reason,
    }
    return TemplateResponse(request, "admin/platform/confirm.html", context)


# --- CSV export of what a list shows ------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


Column = tuple[str, Callable[[object], object]]


class CSVExportMixin:
    """Adds `<list>/export.csv`: the rows the list shows (same filters, search and order), streamed.

    Set `csv_columns = [(header, getter), ...]` (a getter takes the row); the default is the
    model's concrete fields. Rows are read with `.iterator()` and written as they are read, so a
    million rows never sit in memory. Generic on purpose: disputes and any later list add a
    `csv_columns` and get the button.
    """

    change_list_template = "admin/platform/change_list_csv.html"
    csv_columns: list[Column] | None = None
    csv_chunk_size = 2000

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_export_csv"
        return [path("export.csv", self.admin_site.admin_view(self.export_csv), name=name), *super().get_urls()]

    def get_csv_columns(self) -> list[Column]:
        if self.csv_columns is not None:
            return self.csv_columns
        return [
            (field.name, (lambda row, attname=field.attname: getattr(row, attname)))
            for field in self.model._meta.concrete_fields
        ]

    def export_csv(self, request: HttpRequest):
        if not self.has_view_permission(request):
            return refusal(request, title="Export refused", reason="You may not view these rows.")
        try:
            queryset = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            return refusal(request, title="Export refused", reason="The list's filters are not valid.", status=400)
        columns = self.get_csv_columns()
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        response = StreamingHttpResponse(self._csv_rows(queryset, columns), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.model._meta.model_name}-{stamp}.csv"'
        return response

    def _csv_rows(self, queryset, columns: list[Column]) -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow([header for header, _ in columns])
        for row in queryset.iterator(chunk_size=self.csv_chunk_size):
            yield writer.writerow([_csv_value(getter(row)) for _, getter in columns])


def _csv_value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return "" if value is None else value


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
