"""Operators' views of events, webhook endpoints, deliveries and attempts. Secrets never appear."""

from django.contrib import admin, messages
from rangefilter.filters import DateRangeFilter

from payments_platform.admin import ReadOnlyAdmin, ReadOnlyInline, admin_link
from webhooks import services
from webhooks.errors import NoMatchingWebhookEndpoints
from webhooks.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Operators may disable or re-enable an endpoint or fix its URL; the secret is not shown or editable."""

    list_display = ["public_id", "user", "url", "status", "failing_since", "created"]
    list_filter = ["status", ("created", DateRangeFilter)]
    search_fields = ["public_id", "url", "user__email"]
    fields = [
        "public_id",
        "user",
        "url",
        "description",
        "enabled_events",
        "metadata",
        "status",
        "disabled_reason",
        "failing_since",
        "previous_secret_expires_at",
        "created",
    ]
    readonly_fields = ["public_id", "user", "url", "failing_since", "previous_secret_expires_at", "created"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # created through the API, which generates and shows the secret once


class DeliveryInline(ReadOnlyInline):
    model = WebhookDelivery
    fields = ["public_id", "endpoint", "status", "attempt_count", "next_attempt_at", "last_attempt_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "type", "user", "created", "relayed_at"]
    list_filter = ["type", ("created", DateRangeFilter), ("relayed_at", DateRangeFilter)]
    search_fields = ["public_id", "user__email", "request_id"]
    list_select_related = ["user"]
    inlines = [DeliveryInline]
    actions = ["resend"]

    @admin.action(description="Resend to every matching enabled endpoint")
    def resend(self, request, queryset):
        queued = 0
        for event in queryset:
            try:
                queued += len(services.event_resend(event=event))
            except NoMatchingWebhookEndpoints:
                continue
        self.message_user(request, f"Queued {queued} delivery(ies).", messages.SUCCESS)


class AttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = ["attempt_number", "status_code", "latency_ms", "error", "response_body", "succeeded", "created"]
    readonly_fields = fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "event_link", "endpoint", "status", "attempt_count", "next_attempt_at", "created"]
    list_filter = ["status", ("created", DateRangeFilter), ("next_attempt_at", DateRangeFilter)]
    search_fields = ["public_id", "event__public_id", "endpoint__public_id", "endpoint__user__email"]
    list_select_related = ["event", "endpoint"]
    inlines = [AttemptInline]

    @admin.display(description="event", ordering="event_id")
    def event_link(self, delivery: WebhookDelivery):
        return admin_link(delivery.event)

    actions = ["resend"]

    @admin.action(description="Resend (queue a fresh delivery of the same event)")
    def resend(self, request, queryset):
        for delivery in queryset:
            services.delivery_resend(delivery=delivery)
        self.message_user(request, f"Queued {queryset.count()} delivery(ies).", messages.SUCCESS)


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdmin):
    list_display = ["delivery", "attempt_number", "status_code", "latency_ms", "error", "succeeded", "created"]
    list_filter = ["succeeded", ("created", DateRangeFilter)]
    search_fields = ["delivery__public_id", "delivery__event__public_id"]
    list_select_related = ["delivery"]
