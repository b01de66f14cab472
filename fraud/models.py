"""Fraud screening's records: rules, lists, reviews, risk models and the labeled assessment log."""

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from fraud.pipeline.rules import RuleSyntaxError, parse_rule
from payments_platform.api.ids import PublicIdField


class Rule(models.Model):
    """A Radar-style rule (`block if :risk_score: >= 75`), edited in admin.

    Evaluated in the order allow, block, review (then `position`, then id); the first
    match decides the outcome. `action` is read from the expression when it is validated.
    """

    class Action(models.TextChoices):
        ALLOW = "allow"
        BLOCK = "block"
        REVIEW = "review"

    name = models.SlugField(max_length=100, unique=True, help_text="Shown in an outcome's `rules`.")
    expression = models.TextField(
        max_length=1000,
        help_text="e.g. <code>review if :amount_usd: &gt; 5000 and :account_age_days: &lt; 1</code>",
    )
    action = models.CharField(max_length=10, choices=Action.choices, editable=False)
    reason = models.CharField(
        max_length=50, blank=True, default="", help_text="The outcome's `reason` when this rule matches; blank: rule."
    )
    position = models.IntegerField(default=100, help_text="Order within the rule's action; lower runs first.")
    enabled = models.BooleanField(default=True)
    description = models.TextField(blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["action", "position", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Reject an expression that does not parse, pointing at the error's position."""
        super().clean()
        try:
            parsed = parse_rule(self.expression or "")
        except RuleSyntaxError as error:
            raise ValidationError(
                {"expression": f"{error.message} at position {error.position}: {_excerpt(self.expression, error)}"}
            ) from None
        self.action = parsed.action


def _excerpt(expression: str, error: RuleSyntaxError) -> str:
    start = max(0, error.position - 20)
    return f"…{expression[start : error.position]}⟨here⟩{expression[error.position : error.position + 20]}…"


class ListEntry(models.Model):
    """One value on an allow or block list, read by rules as `@blocked_cards`, `@allowed_emails`, ..."""

    class Kind(models.TextChoices):
        CARD_FINGERPRINT = "card_fingerprint"
        EMAIL = "email"
        EMAIL_DOMAIN = "email_domain"
        IP = "ip"
        COUNTRY = "country"

    class ListAction(models.TextChoices):
        ALLOW = "allow"
        BLOCK = "block"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    list_action = models.CharField("list", max_length=10, choices=ListAction.choices, default=ListAction.BLOCK)
    value = models.CharField(max_length=255)
    reason = models.CharField(max_length=255, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "list entry"
        verbose_name_plural = "allow and block lists"
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "list_action", "value"], name="fraud_list_entry_unique"),
        ]
        indexes = [models.Index(fields=["value"], name="fraud_list_entry_value")]

    def __str__(self) -> str:
        return f"{self.list_action} {self.kind} {self.value}"

    def clean(self) -> None:
        super().clean()
        try:
            self.value = normalize_list_value(kind=self.kind, value=self.value)
        except ValueError as error:
            raise ValidationError({"value": str(error)}) from None


def normalize_list_value(*, kind: str, value: str) -> str:
    """The canonical spelling of a list value: lowercase emails, domains and countries, compact IPs."""
    value = (value or "").strip()
    if not value:
        raise ValueError("A list value cannot be empty.")
    if kind == ListEntry.Kind.IP:
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address.") from None
    if kind == ListEntry.Kind.COUNTRY:
        if len(value) != 2 or not value.isalpha():
            raise ValueError("A country is a two-letter ISO 3166 code.")
        return value.lower()
    if kind == ListEntry.Kind.EMAIL:
        if "@" not in value:
            raise ValueError(f"{value!r} is not an email address.")
        return value.lower()
    if kind == ListEntry.Kind.EMAIL_DOMAIN:
        return value.lstrip("@").lower()
    if kind == ListEntry.Kind.CARD_FINGERPRINT:
        return value
    raise ValueError(f"Unknown list kind {kind!r}.")


class Review(models.Model):
    """A payment, transfer or payout held for an operator's decision (`rev_…`).

    Opened by `review_open` in the caller's transaction; closed once by `review_close`,
    which calls the handler the owning app registered for `object_type`.
    """

    class Status(models.TextChoices):
        OPEN = "open"
        APPROVED = "approved"
        REJECTED = "rejected"

    public_id = PublicIdField(prefix="rev")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    object_type = models.CharField(max_length=40, help_text="e.g. payment_intent, transfer, payout")
    object_id = models.CharField(max_length=64, help_text="The public id of the object under review.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    opened_reason = models.CharField(max_length=50, default="rule")
    risk_score = models.PositiveSmallIntegerField()
    risk_level = models.CharField(max_length=10)
    rules = models.JSONField(default=list, blank=True)
    signals = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=128, blank=True, default="")
    created = models.DateTimeField(default=timezone.now, db_index=True)
    closed = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id"], condition=Q(status="open"), name="fraud_review_one_open_per_object"
            ),
        ]
        indexes = [models.Index(fields=["object_type", "object_id"], name="fraud_review_object")]

    # Not a column. Set by `review_close` on the review it hands to the handlers: the request id of
    # the operator's request that closes it (the entries and events the close writes carry it;
    # `request_id` above stays the customer's original request).
    closing_request_id: str = ""

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def acting_request_id(self) -> str:
        """The request id to write on what happens now: the closing operator's, else the opening one's."""
        return self.closing_request_id or self.request_id


class RiskModel(models.Model):
    """A trained risk model stored as data (JSON weights, never pickle), with its metrics.

    At most one is active; scoring reads its `parameters` in plain Python.
    """

    version = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=30, default="logistic_regression")
    parameters = models.JSONField(help_text="features, means, scales, coefficients, intercept")
    metrics = models.JSONField(default=dict, blank=True)
    trained_on = models.PositiveIntegerField(default=0, help_text="Labeled rows used (train + test).")
    active = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="fraud_one_active_risk_model"),
        ]

    def __str__(self) -> str:
        return self.version


class AssessmentRecord(models.Model):
    """The feature log: one row per recorded assessment, with a label slot for training.

    `label` is True for fraud, False for legitimate and null while unknown; it is set by
    the simulator, by closed reviews (rejected: fraud, approved: legitimate) and by
    fraudulent refunds.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    operation = models.CharField(max_length=20)
    object_type = models.CharField(max_length=40, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    amount_usd = models.FloatField(null=True)
    outcome_type = models.CharField(max_length=20)
    risk_level = models.CharField(max_length=10)
    risk_score = models.PositiveSmallIntegerField()
    rules = models.JSONField(default=list, blank=True)
    features = models.JSONField(default=dict)
    model_version = models.CharField(max_length=64, blank=True, default="")
    label = models.BooleanField(null=True, blank=True)
    label_source = models.CharField(max_length=40, blank=True, default="")
    labeled = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["user", "-created"], name="fraud_record_user_created"),
            models.Index(fields=["object_type", "object_id"], name="fraud_record_object"),
            models.Index(fields=["label"], name="fraud_record_label", condition=Q(label__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.object_id or self.pk} {self.outcome_type}"
