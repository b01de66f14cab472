"""Operators' fraud screens: rules, allow/block lists, risk models, the feature log (reviews: fraud.admin.reviews)."""

import json

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from rangefilter.filters import DateRangeFilter

from fraud import services
from fraud.assessment import forget_rules
from fraud.models import AssessmentRecord, ListEntry, RiskModel, Rule
from payments_platform.admin import ReadOnlyAdmin, admin_link
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
        super().save_model(request, obj, form, change)
        forget_rules()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        forget_rules()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        forget_rules()


@admin.register(ListEntry)
class ListEntryAdmin(admin.ModelAdmin):
    list_display = ["value", "kind", "list_action", "reason", "created_by", "created"]
    list_filter = ["list_action", "kind", ("created", DateRangeFilter)]
    search_fields = ["value", "reason"]
    fields = ["kind", "list_action", "value", "reason"]
    list_select_related = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


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
