"""Operators' fraud screens: rules, allow/block lists, risk models, the feature log (reviews: fraud.admin.reviews).

Every add, change and delete of a rule or a list entry goes through `fraud.services`, which
audit-logs it with the operator's request id and IP; the forms only validate.
"""

import json

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


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    """Rules are validated when saved (Rule.clean): a rule that does not parse is refused with its error position."""

    form = RuleForm
    list_display = ["name", "action", "expression", "position", "enabled", "updated"]
    list_filter = ["action", "enabled", ("updated", DateRangeFilter)]
    list_editable = ["enabled"]
    search_fields = ["name", "expression"]
    ordering = ["action", "position", "id"]

    def save_model(self, request, obj, form, change):
        request_id, ip = operator_request(request)
        if change:
            changes = form_changes(obj, form)
            saved = services.rule_update(rule=obj, changes=changes, actor=request.user, request_id=request_id, ip=ip)
        else:
            values = {field: getattr(obj, field) for field in RuleForm.Meta.fields}
            saved = services.rule_create(**values, actor=request.user, request_id=request_id, ip=ip)
        adopt(obj, saved)

    def delete_model(self, request, obj):
        request_id, ip = operator_request(request)
        services.rule_delete(rule=obj, actor=request.user, request_id=request_id, ip=ip)

    def delete_queryset(self, request, queryset):
        for rule in queryset.order_by("pk"):
            self.delete_model(request, rule)


@admin.register(ListEntry)
class ListEntryAdmin(admin.ModelAdmin):
    list_display = ["value", "kind", "list_action", "reason", "created_by", "created"]
    list_filter = ["list_action", "kind", ("created", DateRangeFilter)]
    search_fields = ["value", "reason"]
    fields = ["kind", "list_action", "value", "reason"]
    list_select_related = ["created_by"]

    def save_model(self, request, obj, form, change):
        request_id, ip = operator_request(request)
        if change:
            changes = form_changes(obj, form)
            saved = services.list_entry_update(
                entry=obj, changes=changes, actor=request.user, request_id=request_id, ip=ip
            )
        else:
            values = {field: getattr(obj, field) for field in self.fields}
            saved = services.list_entry_add(**values, actor=request.user, request_id=request_id, ip=ip)
        adopt(obj, saved)

    def delete_model(self, request, obj):
        request_id, ip = operator_request(request)
        services.list_entry_remove(entry=obj, actor=request.user, request_id=request_id, ip=ip)

    def delete_queryset(self, request, queryset):
        for entry in queryset.order_by("pk"):
            self.delete_model(request, entry)


def form_changes(obj, form) -> dict:
    """The fields the operator changed, with their validated (and normalized) values."""
    return {field: getattr(obj, field) for field in form.changed_data}


def adopt(built, saved) -> None:
    """Make the instance the admin built from its form the row the service saved (the admin logs and links it)."""
    built.__dict__.update(saved.__dict__)


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
