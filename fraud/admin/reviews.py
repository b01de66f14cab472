"""The review queue and the page an analyst decides on: amount, customer, card or destination, the
risk factors in words, recent activity, and Approve / Reject buttons that ask for confirmation.

Approve releases the held funds; reject refunds (or returns) them and blocks the card. Both go
through `fraud.services.review_close` with the operator's request id and IP. A closed review is
never closed again; the page (and the list action) says who closed it and when.
"""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from rangefilter.filters import DateRangeFilter

from fraud import selectors, services
from fraud.errors import ReviewAlreadyClosed, ReviewHandlerMissing
from fraud.models import Review
from payments_platform.admin import ReadOnlyAdmin, admin_link, confirmation, operator_request, refusal
from payments_platform.api.errors import APIError
from payments_platform.money import money_html

WHAT_HAPPENS = {
    ("payment_intent", True): "The held payment's net amount moves from the wallet's pending to its available balance.",
    ("payment_intent", False): "The payment is refunded to the card (or the authorization voided) and the card is "
    "blocked.",
    ("transfer", True): "The held amount moves from the recipient's pending to their available balance.",
    ("transfer", False): "The held amount goes back to the sender; the transfer becomes reversed.",
    ("payout", True): "The hold is lifted; the payout is paid when it is due.",
    ("payout", False): "The payout fails (fraud_review_rejected) and the money goes back to the wallet.",
}


def why_closed(review: Review) -> str:
    who = review.closed_by.email if review.closed_by_id else "an automated process"
    when = review.closed.strftime("%Y-%m-%d %H:%M:%S %Z") if review.closed else "an unknown time"
    return f"Review {review.public_id} was {review.status} by {who} at {when}: a closed review cannot be closed again."


def _amount(review: Review):
    signals = review.signals or {}
    if signals.get("amount") is None or not signals.get("currency"):
        return "-"
    return money_html(signals["amount"], signals["currency"])


def _card_or_destination(review: Review):
    signals = review.signals or {}
    if signals.get("card_last4"):
        brand = (signals.get("card_brand") or "card").capitalize()
        country = (signals.get("card_country") or "?").upper()
        return f"{brand} •••• {signals['card_last4']} (issued in {country}, BIN {signals.get('card_bin') or '?'})"
    if signals.get("destination_fingerprint"):
        return f"bank account (fingerprint {signals['destination_fingerprint'][:12]}…)"
    if signals.get("operation") == "transfer":
        return "a wallet-to-wallet transfer (no card): see the transfer for both wallets"
    return "-"


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    change_form_template = "admin/fraud/review/change_form.html"
    list_display = ["public_id", "status", "object_link", "user", "amount", "risk", "created"]
    list_filter = ["status", "object_type", "risk_level", ("created", DateRangeFilter)]
    search_fields = ["public_id", "object_id", "user__email"]
    list_select_related = ["user", "closed_by"]
    actions = ["approve", "reject"]
    fields = [
        "public_id",
        "status",
        "object_link",
        "customer",
        "amount",
        "card_or_destination",
        "risk_score",
        "risk_level",
        "rules",
        "opened_reason",
        "created",
        "closed",
        "closed_by",
        "request_id",
        "signals",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-status", "created")

    @admin.display(description="under review")
    def object_link(self, review: Review):
        return format_html("{} {}", review.object_type.replace("_", " "), admin_link(review.object_id))

    @admin.display(description="risk", ordering="risk_score")
    def risk(self, review: Review) -> str:
        return f"{review.risk_score} ({review.risk_level})"

    @admin.display(description="customer")
    def customer(self, review: Review):
        return admin_link(review.user, review.user.email)

    amount = admin.display(description="amount")(lambda self, review: _amount(review))
    card_or_destination = admin.display(description="card or destination")(
        lambda self, review: _card_or_destination(review)
    )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self._decision_context(obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _decision_context(self, review: Review) -> dict:
        signals = review.signals or {}
        return {
            "review": review,
            "review_amount": _amount(review),
            "review_customer": self.customer(review),
            "review_object": self.object_link(review),
            "review_card": _card_or_destination(review),
            "review_factors": selectors.risk_factors(signals),
            "review_floors": sorted((signals.get("risk_score_floors") or {}).items(), key=lambda item: -item[1]),
            "review_activity": selectors.user_recent_activity(user_id=review.user_id, limit=10),
            "review_closed_reason": None if review.is_open else why_closed(review),
            "review_can_close": review.is_open,
        }

    # --- deciding on the page -------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view(self.decide_view)
        return [path("<int:pk>/decide/<str:decision>/", view, name="fraud_review_decide"), *super().get_urls()]

    def has_close_permission(self, request) -> bool:
        """Closing a review moves money: it needs the change permission on reviews (or superuser)."""
        return request.user.has_perm("fraud.change_review")

    def decide_view(self, request, pk: int, decision: str):
        """GET: what approving or rejecting will do; POST with confirm=yes: close the review."""
        review = get_object_or_404(Review.objects.select_related("user", "closed_by"), pk=pk)
        page = reverse("admin:fraud_review_change", args=[pk])
        if decision not in ("approve", "reject"):
            return refusal(request, title="Unknown decision", reason="Approve or reject.", back_url=page, status=404)
        if not self.has_close_permission(request):
            return refusal(
                request,
                title="Decision refused",
                reason="Closing a review moves money: it needs the permission to change reviews.",
                back_url=page,
            )
        if not review.is_open:
            return refusal(request, title="Review already closed", reason=why_closed(review), back_url=page, status=409)
        approve = decision == "approve"
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            request_id, ip = operator_request(request)
            try:
                services.review_close(review=review, approve=approve, actor=request.user, request_id=request_id, ip=ip)
            except ReviewAlreadyClosed:
                review.refresh_from_db()
                return refusal(
                    request, title="Review already closed", reason=why_closed(review), back_url=page, status=409
                )
            except APIError as error:
                return refusal(
                    request,
                    title="Decision refused",
                    reason=f"{error.code}: {error.message}",
                    back_url=page,
                    status=409,
                )
            self.message_user(request, f"Review {review.public_id} {'approved' if approve else 'rejected'}.")
            return HttpResponseRedirect(page)
        return confirmation(
            request,
            title=f"{'Approve' if approve else 'Reject'} review {review.public_id}",
            summary=WHAT_HAPPENS.get((review.object_type, approve), "The review's handler runs."),
            facts=[
                ("under review", self.object_link(review)),
                ("amount", _amount(review)),
                ("customer", self.customer(review)),
                ("risk score", f"{review.risk_score} ({review.risk_level})"),
            ],
            confirm_label=f"Yes, {'approve' if approve else 'reject'}",
            cancel_url=page,
        )

    # --- the list's bulk actions: a confirmation first, and a reason for each review left alone ----

    def _close(self, request, queryset, *, approve: bool):
        verb = "approve" if approve else "reject"
        reviews = list(queryset.select_related("user", "closed_by").order_by("created"))
        if request.POST.get("confirm") != "yes":
            hidden = [("action", verb)] + [(admin.helpers.ACTION_CHECKBOX_NAME, review.pk) for review in reviews]
            closed = [review for review in reviews if not review.is_open]
            return confirmation(
                request,
                title=f"{verb.capitalize()} {len(reviews) - len(closed)} review(s)",
                summary=" ".join(sorted({WHAT_HAPPENS.get((r.object_type, approve), "") for r in reviews if r.is_open}))
                or "Nothing to do: every selected review is closed.",
                facts=[(review.public_id, why_closed(review)) for review in closed]
                + [
                    (review.public_id, format_html("{} · {}", self.object_link(review), _amount(review)))
                    for review in reviews
                    if review.is_open
                ],
                confirm_label=f"Yes, {verb}",
                cancel_url=reverse("admin:fraud_review_changelist"),
                hidden=hidden,
            )
        request_id, ip = operator_request(request)
        for review in reviews:
            if not review.is_open:
                self.message_user(request, why_closed(review), messages.WARNING)
                continue
            try:
                services.review_close(review=review, approve=approve, actor=request.user, request_id=request_id, ip=ip)
            except ReviewAlreadyClosed:
                review.refresh_from_db()
                self.message_user(request, why_closed(review), messages.WARNING)
            except ReviewHandlerMissing as error:
                self.message_user(request, f"{review.public_id}: {error}", messages.ERROR)
            except APIError as error:  # a handler refused (e.g. 409 payment_intent_processing): nothing closed
                self.message_user(request, f"{review.public_id}: {error.code}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"Review {review.public_id} {verb}d.", messages.SUCCESS)
        return None

    @admin.action(description="Approve (release the held funds)…", permissions=["close"])
    def approve(self, request, queryset):
        return self._close(request, queryset, approve=True)

    @admin.action(description="Reject (refund, block the card)…", permissions=["close"])
    def reject(self, request, queryset):
        return self._close(request, queryset, approve=False)
