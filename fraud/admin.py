"""Operators' fraud screens: rules, allow/block lists, the review queue, risk models, the feature log."""

import json

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from fraud import selectors, services
from fraud.assessment import forget_rules
from fraud.errors import ReviewAlreadyClosed, ReviewHandlerMissing
from fraud.models import AssessmentRecord, ListEntry, Review, RiskModel, Rule
from payments_platform.admin import ReadOnlyAdmin
from payments_platform.api.errors import APIError


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
    list_filter = ["action", "enabled"]
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
    list_filter = ["list_action", "kind"]
    search_fields = ["value", "reason"]
    fields = ["kind", "list_action", "value", "reason"]
    list_select_related = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


def _pretty(data) -> str:
    return format_html("<pre style='white-space: pre-wrap'>{}</pre>", json.dumps(data, indent=2, sort_keys=True))


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    """The review queue: approve releases the held funds, reject refunds and blocks the card."""

    list_display = ["public_id", "status", "object_type", "object_id", "user", "risk_score", "risk_level", "created"]
    list_filter = ["status", "object_type", "risk_level"]
    search_fields = ["public_id", "object_id", "user__email"]
    list_select_related = ["user", "closed_by"]
    date_hierarchy = "created"
    actions = ["approve", "reject"]
    fields = [
        "public_id",
        "status",
        "object_type",
        "object_id",
        "user",
        "risk_score",
        "risk_level",
        "rules",
        "opened_reason",
        "created",
        "closed",
        "closed_by",
        "request_id",
        "signals_display",
        "recent_activity",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-status", "created")

    @admin.display(description="signals")
    def signals_display(self, obj: Review) -> str:
        return _pretty(obj.signals)

    @admin.display(description="user's recent activity")
    def recent_activity(self, obj: Review) -> str:
        rows = selectors.user_recent_activity(user_id=obj.user_id)
        if not rows:
            return "No recorded assessments."
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    row.created.strftime("%Y-%m-%d %H:%M:%S"),
                    row.operation,
                    row.object_id,
                    row.amount,
                    row.currency,
                    row.outcome_type,
                    row.risk_score,
                    "" if row.label is None else ("fraud" if row.label else "legitimate"),
                )
                for row in rows
            ),
        )
        return format_html(
            "<table><tr><th>when</th><th>operation</th><th>object</th><th>amount</th><th>outcome</th>"
            "<th>risk</th><th>label</th></tr>{}</table>",
            body,
        )

    def has_close_permission(self, request) -> bool:
        """Closing a review moves money: it needs the change permission on reviews (or superuser)."""
        return request.user.has_perm("fraud.change_review")

    def _close(self, request, queryset, *, approve: bool) -> None:
        closed = 0
        for review in queryset.filter(status=Review.Status.OPEN):
            try:
                services.review_close(
                    review=review, approve=approve, actor=request.user, request_id=getattr(request, "request_id", "")
                )
                closed += 1
            except (ReviewAlreadyClosed, ReviewHandlerMissing) as error:
                self.message_user(request, f"{review.public_id}: {error}", messages.ERROR)
            except APIError as error:  # a handler refused (e.g. 409 payment_intent_processing): nothing closed
                self.message_user(request, f"{review.public_id}: {error.code}: {error}", messages.ERROR)
        verb = "Approved" if approve else "Rejected"
        self.message_user(request, f"{verb} {closed} review(s).", messages.SUCCESS if closed else messages.WARNING)

    @admin.action(description="Approve (release the held funds)", permissions=["close"])
    def approve(self, request, queryset):
        self._close(request, queryset, approve=True)

    @admin.action(description="Reject (refund, block the card)", permissions=["close"])
    def reject(self, request, queryset):
        self._close(request, queryset, approve=False)


@admin.register(RiskModel)
class RiskModelAdmin(ReadOnlyAdmin):
    list_display = ["version", "kind", "active", "trained_on", "roc_auc", "created"]
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
    list_display = ["created", "operation", "object_id", "user", "amount", "currency", "outcome_type", "risk_score"]
    list_filter = ["operation", "outcome_type", "risk_level", "label", "label_source"]
    search_fields = ["object_id", "user__email"]
    list_select_related = ["user"]
    date_hierarchy = "created"
