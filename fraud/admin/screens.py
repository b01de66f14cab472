"""Operators' fraud screens: rules, allow/block lists, risk models, the feature log (reviews: fraud.admin.reviews).

Every add, change and delete of a rule or a list entry goes through `fraud.services`, which
audit-logs it with the operator's request id and IP; the forms only validate.
"""

import json
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from rangefilter.filters import DateRangeFilter

from fraud import services
from fraud.models import AssessmentRecord, ListEntry, RiskModel, Rule
from payments_platform.admin import ReadOnlyAdmin, admin_link, operator_request
from payments_platform.money import money_html


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ["name", "expression", "reason", "position", "enabled", "description"]
        widgets = {"expression": forms.Textarea(attrs={"rows": 3, "cols": 100, "style": "font-family: monospace"})}


class ServiceWritesAdmin(admin.ModelAdmin):
    """A model admin whose add, change and delete (one row, in bulk or in the list) call fraud.services.

    The services write the audit log with the operator's request id and IP; the form only validates.
    """

    # Set by each subclass: the service functions and the keyword that names the row for them.
    create_service: Callable
    update_service: Callable
    delete_service: Callable
    row_argument: str
    created_fields: list[str]

    def save_model(self, request, obj, form, change):
        request_id, ip = operator_request(request)
        operator = {"actor": request.user, "request_id": request_id, "ip": ip}
        if change:
            changes = {field: getattr(obj, field) for field in form.changed_data}  # validated, normalized
            saved = type(self).update_service(**{self.row_argument: obj}, changes=changes, **operator)
        else:
            values = {field: getattr(obj, field) for field in self.created_fields}
            saved = type(self).create_service(**values, **operator)
        obj.__dict__.update(saved.__dict__)  # the admin goes on to log and link the instance it built

    def delete_model(self, request, obj):
        request_id, ip = operator_request(request)
        type(self).delete_service(**{self.row_argument: obj}, actor=request.user, request_id=request_id, ip=ip)

    def delete_queryset(self, request, queryset):
        for row in queryset.order_by("pk"):
            self.delete_model(request, row)


@admin.register(Rule)
class RuleAdmin(ServiceWritesAdmin):
    """Rules are validated when saved (Rule.clean): a rule that does not parse is refused with its error position."""

    form = RuleForm
    list_display = ["name", "action", "expression", "position", "enabled", "updated"]
    list_filter = ["action", "enabled", ("updated", DateRangeFilter)]
    list_editable = ["enabled"]
    search_fields = ["name", "expression"]
    ordering = ["action", "position", "id"]
    create_service, update_service, delete_service = services.rule_create, services.rule_update, services.rule_delete
    row_argument = "rule"
    created_fields = RuleForm.Meta.fields


@admin.register(ListEntry)
class ListEntryAdmin(ServiceWritesAdmin):
    list_display = ["value", "kind", "list_action", "reason", "created_by", "created"]
    list_filter = ["list_action", "kind", ("created", DateRangeFilter)]
    search_fields = ["value", "reason"]
    fields = ["kind", "list_action", "value", "reason"]
    list_select_related = ["created_by"]
    create_service = services.list_entry_add
    update_service = services.list_entry_update
    delete_service = services.list_entry_remove
    row_argument = "entry"
    created_fields = fields


def _pretty(data) -> str:
    return format_html("<pre style='white-space: pre-wrap'>{}</pre>", json.dumps(data, indent=2, sort_keys=True))


@admin.register(RiskModel)
class RiskModelAdmin(ReadOnlyAdmin):
    list_display = ["version", "kind", "active", "trained_on", "roc_auc", "created"]
    list_filter = ["active", ("created", DateRangeFilter)]
    fields = ["version", "kind", "active", "trained_on", "created", "metrics_display", "parameters_display"]
    readonly_fields = fields
    actions = ["activate"]

    @admin.display(description="ROC AUC")
    def roc_auc(self, obj: RiskModel):
        return (obj.metrics or {}).get("roc_auc")

    @admin.display(description="metrics")
    def metrics_display(self, obj: RiskModel) -> str:
        return _pretty(obj.metrics)

    @admin.display(description="parameters")
    def parameters_display(self, obj: RiskModel) -> str:
        return _pretty(obj.parameters)

    def has_activate_permission(self, request) -> bool:
        return request.user.has_perm("fraud.change_riskmodel")

    @admin.action(description="Make active (the only active model)", permissions=["activate"])
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one model.", messages.ERROR)
            return
        model = services.risk_model_activate(model=queryset.get(), actor=request.user)
        self.message_user(request, f"{model.version} is now the active risk model.", messages.SUCCESS)


@admin.register(AssessmentRecord)
class AssessmentRecordAdmin(ReadOnlyAdmin):
    list_display = ["created", "operation", "object_link", "user", "amount_display", "outcome_type", "risk_score"]
    list_filter = ["operation", "outcome_type", "risk_level", "label", "label_source", ("created", DateRangeFilter)]
    search_fields = ["object_id", "user__email"]
    list_select_related = ["user"]

    @admin.display(description="object", ordering="object_id")
    def object_link(self, record: AssessmentRecord):
        return admin_link(record.object_id)

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, record: AssessmentRecord):
        return money_html(record.amount, record.currency)
