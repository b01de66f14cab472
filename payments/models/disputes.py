"""Disputes (chargebacks and inquiries) and the processor notifications that report them.

Re-exported by `payments.models`; kept apart so the payment models stay readable.

- `Dispute`: what the processor told us about a charge, the evidence the user gives, and the
  money it moved (`withdrawal_entry`, `reinstatement_entry`; amounts in minor units).
- `ConnectorNotification`: every notification a connector sent us, once per (connector,
  notification id): the unique constraint is what makes a replay a no-op. An `unmatched` one (no
  such payment or dispute here) waits for an operator in the admin.
- `SimulatorNotification`: the simulated processor's outbox (its own table, as a real processor
  has its own systems): notifications due at `due_at`, sent by `send_processor_notifications`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from payments_platform.api.ids import PublicIdField

# Stripe's dispute evidence fields (all text; files are referred to by id or URL in text).
EVIDENCE_FIELDS = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
)
EVIDENCE_MAX_CHARACTERS = 150_000


class Dispute(models.Model):
    class Status(models.TextChoices):
        WARNING_NEEDS_RESPONSE = "warning_needs_response"
        WARNING_UNDER_REVIEW = "warning_under_review"
        WARNING_CLOSED = "warning_closed"
        NEEDS_RESPONSE = "needs_response"
        UNDER_REVIEW = "under_review"
        WON = "won"
        LOST = "lost"

    class Reason(models.TextChoices):
        FRAUDULENT = "fraudulent"
        PRODUCT_NOT_RECEIVED = "product_not_received"
        DUPLICATE = "duplicate"
        SUBSCRIPTION_CANCELED = "subscription_canceled"
        PRODUCT_UNACCEPTABLE = "product_unacceptable"
        CREDIT_NOT_PROCESSED = "credit_not_processed"
        UNRECOGNIZED = "unrecognized"
        GENERAL = "general"

    CLOSED_STATUSES = frozenset({Status.WARNING_CLOSED, Status.WON, Status.LOST})
    INQUIRY_STATUSES = frozenset({Status.WARNING_NEEDS_RESPONSE, Status.WARNING_UNDER_REVIEW, Status.WARNING_CLOSED})

    public_id = PublicIdField(prefix="dp")
    intent = models.ForeignKey("payments.PaymentIntent", on_delete=models.PROTECT, related_name="disputes")
    wallet = models.ForeignKey("wallets.Wallet", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    connector = models.CharField(max_length=40)
    processor_reference = models.CharField(max_length=80, help_text="The processor's id of the dispute.")
    amount = models.BigIntegerField(help_text="Disputed amount, minor units.")
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=40, choices=Reason.choices)
    status = models.CharField(max_length=32, choices=Status.choices)
    is_inquiry = models.BooleanField(default=False, help_text="An inquiry (warning_*): no money moves.")
    evidence = models.JSONField(default=dict, blank=True)
    evidence_due_by = models.DateTimeField()
    submission_count = models.PositiveIntegerField(default=0)
    evidence_submitted_at = models.DateTimeField(null=True, blank=True)
    fee = models.BigIntegerField(default=0, help_text="DISPUTE_FEE withdrawn with the amount (0 for an inquiry).")
    amount_withdrawn = models.BigIntegerField(default=0, help_text="Taken from the wallet's available balance.")
    amount_owed = models.BigIntegerField(default=0, help_text="What the wallet could not cover: became balance.owed.")
    withdrawal_entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reinstatement_entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    balance_transaction_ids = models.JSONField(
        default=list, blank=True, help_text="txn_… ids of the wallet statement lines this dispute wrote."
    )
    operator_note = models.CharField(
        max_length=500, blank=True, default="", help_text="Why an operator should look (e.g. already refunded)."
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connector", "processor_reference"], name="dispute_processor_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="dispute_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["user", "id"], name="dispute_user_id")]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED_STATUSES


class ConnectorNotification(models.Model):
    class Status(models.TextChoices):
        PROCESSED = "processed"
        UNMATCHED = "unmatched"  # no payment or dispute of ours: an operator looks
        IGNORED = "ignored"  # a type we do not act on, or nothing left to do

    connector = models.CharField(max_length=40)
    notification_id = models.CharField(max_length=120)
    type = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROCESSED)
    note = models.CharField(max_length=500, blank=True, default="")
    dispute = models.ForeignKey(Dispute, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications")
    received = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connector", "notification_id"], name="connector_notification_once"),
        ]
        indexes = [models.Index(fields=["status", "id"], name="connector_notification_status")]

    def __str__(self) -> str:
        return f"{self.connector} {self.notification_id} {self.type}"


class SimulatorNotification(models.Model):
    """The simulated processor's outgoing notification. `due_at` null: armed, waiting for a capture."""

    connector = models.CharField(max_length=40)
    notification_id = models.CharField(max_length=120, unique=True)
    dedupe_key = models.CharField(max_length=200, unique=True, help_text="One notification per cause.")
    type = models.CharField(max_length=60)
    charge_reference = models.CharField(max_length=80)
    payload = models.JSONField(default=dict)
    due_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["due_at"], condition=Q(sent_at__isnull=True), name="simulator_notification_due"),
        ]

    def __str__(self) -> str:
        return f"{self.connector} {self.notification_id} {self.type}"
