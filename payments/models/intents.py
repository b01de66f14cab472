"""Payments: payment methods (vault tokens), payment intents, their attempts, refunds, settlement.

No money lives here: an intent's captured amount reaches the wallet through a ledger entry
(`wallets.services.wallet_post_entry`). These rows say why money moved and what each connector
was asked and answered.

The simulator connector's own state (`SimulatorVaultCard`, `SimulatorOperation`) is in this app
too, for convenience: it stands for the processor's database, which a real deployment does not
own. It keeps what a processor keeps (a token, the card's test behaviour, last4), never the PAN.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from payments_platform.api.ids import PublicIdField


class PaymentMethod(models.Model):
    """A tokenized card. The number and CVC were used once, to tokenize, and never stored."""

    public_id = PublicIdField(prefix="pm")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    type = models.CharField(max_length=16, default="card")
    brand = models.CharField(max_length=16)
    iin = models.CharField(max_length=6, help_text="First six digits (the BIN), kept for fraud screening.")
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    fingerprint = models.CharField(max_length=32, db_index=True, help_text="HMAC-SHA256 of the PAN, truncated.")
    country = models.CharField(max_length=2, blank=True, default="")
    vault_token = models.CharField(max_length=64, unique=True, help_text="What the connectors charge.")
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["user", "id"], name="payment_method_user_id")]

    def __str__(self) -> str:
        return f"{self.public_id} {self.brand} ****{self.last4}"


class PaymentIntent(models.Model):
    """Money to collect from a card into a wallet, on Stripe's PaymentIntent state machine."""

    class Status(models.TextChoices):
        REQUIRES_PAYMENT_METHOD = "requires_payment_method"
        REQUIRES_CONFIRMATION = "requires_confirmation"
        REQUIRES_ACTION = "requires_action"  # 3-D Secure: waiting for the cardholder (ThreeDSecureSession)
        PROCESSING = "processing"
        REQUIRES_CAPTURE = "requires_capture"
        SUCCEEDED = "succeeded"
        CANCELED = "canceled"

    class CaptureMethod(models.TextChoices):
        AUTOMATIC = "automatic"
        MANUAL = "manual"

    public_id = PublicIdField(prefix="pi")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    wallet = models.ForeignKey("wallets.Wallet", on_delete=models.PROTECT, related_name="+")
    payment_method = models.ForeignKey(PaymentMethod, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=32, choices=Status.choices)
    capture_method = models.CharField(max_length=16, choices=CaptureMethod.choices, default=CaptureMethod.AUTOMATIC)
    amount_capturable = models.BigIntegerField(default=0)
    amount_received = models.BigIntegerField(default=0)
    amount_refunded = models.BigIntegerField(default=0)
    fee = models.BigIntegerField(default=0, help_text="Platform fee taken on capture.")
    description = models.CharField(max_length=500, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    last_payment_error = models.JSONField(null=True, blank=True)
    outcome = models.JSONField(
        null=True, blank=True, help_text="Fraud screening's outcome of the last confirm; null until confirmed."
    )
    # Fraud review: set when an authorization whose outcome is manual_review succeeds (a review is
    # opened); while set, a capture credits the wallet's *pending* account. Cleared when the review closes.
    held_for_review = models.BooleanField(default=False)
    # The connector that authorized the payment and its reference for the charge (settlement key).
    connector = models.CharField(max_length=40, blank=True, default="")
    connector_reference = models.CharField(max_length=80, null=True, blank=True)
    # Set while a capture is at the connector (status "processing"); see services.intents.
    capture_requested_amount = models.BigIntegerField(null=True, blank=True)
    capture_entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    captured_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=40, null=True, blank=True)
    # The confirm's `return_url`: where the 3-D Secure page sends the cardholder back to.
    return_url = models.CharField(max_length=2048, null=True, blank=True)  # an http(s) URL (the API checks it)
    # The Idempotency-Key claim (payments_platform IdempotencyKey pk) of the request that created
    # it: a keyed create re-run after a crash (phased idempotency) finds this intent again
    # instead of creating, and charging, a second one.
    idempotency_claim = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["user", "id"], name="payment_intent_user_id"),
            models.Index(fields=["connector", "connector_reference"], name="payment_intent_connector_ref"),
            models.Index(fields=["status", "updated"], name="payment_intent_status_updated"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_intent_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=models.F("amount_received")), name="payment_intent_refund_le_received"
            ),
            models.CheckConstraint(
                condition=Q(amount_received__lte=models.F("amount")), name="payment_intent_received_le_amount"
            ),
        ]

    def __str__(self) -> str:
        return self.public_id


class PaymentAttempt(models.Model):
    """One authorization request to one connector. Written `pending` before the call.

    `idempotency_key` is f"{intent.public_id}:{attempt_number}": a retried confirm that lost its
    first attempt (rolled back) reuses the number, so the connector answers with the first result.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        DECLINED = "declined"
        ERROR = "error"
        REQUIRES_ACTION = "requires_action"  # the processor asked for 3-D Secure; the next attempt carries it

    intent = models.ForeignKey(PaymentIntent, on_delete=models.PROTECT, related_name="attempts")
    attempt_number = models.PositiveIntegerField()
    connector = models.CharField(max_length=40)
    idempotency_key = models.CharField(max_length=80, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error_code = models.CharField(max_length=40, null=True, blank=True)
    decline_code = models.CharField(max_length=40, null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    reference = models.CharField(max_length=80, null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["intent", "attempt_number"], name="payment_attempt_number_unique"),
            models.UniqueConstraint(fields=["connector", "reference"], name="payment_attempt_connector_reference"),
        ]
        indexes = [
            models.Index(fields=["updated"], condition=Q(status="pending"), name="payment_attempt_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} {self.connector} {self.status}"


class Refund(models.Model):
    """Money returned to the card, taken from the wallet. `pending` until the connector answers."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    class Reason(models.TextChoices):
        DUPLICATE = "duplicate"
        FRAUDULENT = "fraudulent"
        REQUESTED_BY_CUSTOMER = "requested_by_customer"

    public_id = PublicIdField(prefix="re")
    intent = models.ForeignKey(PaymentIntent, on_delete=models.PROTECT, related_name="refunds")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=32, choices=Reason.choices, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    connector = models.CharField(max_length=40)
    # f"{intent.public_id}:refund:{n}", n counted under the intent's lock: deterministic, see docs.
    idempotency_key = models.CharField(max_length=80, unique=True)
    connector_reference = models.CharField(max_length=80, null=True, blank=True)
    failure_code = models.CharField(max_length=40, null=True, blank=True)
    # A rejected fraud review's refund: taken from the wallet's pending account, platform fee returned.
    from_held_funds = models.BooleanField(default=False)
    # The share of the intent's platform fee this refund gave back to the wallet (REFUND_FEE_POLICY,
    # services.postings.refund_fee_share); 0 under `retain`. The wallet paid `amount - fee_refunded`.
    fee_refunded = models.BigIntegerField(default=0)
    # The Idempotency-Key claim of the request that created it (see PaymentIntent.idempotency_claim).
    idempotency_claim = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    entry = models.OneToOneField("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    reversal_entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["user", "id"], name="refund_user_id"),
            models.Index(fields=["connector", "connector_reference"], name="refund_connector_ref"),
            models.Index(fields=["updated"], condition=Q(status="pending"), name="refund_pending"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(fee_refunded__gte=0, fee_refunded__lte=models.F("amount")), name="refund_fee_share_bounded"
            ),
        ]

    def __str__(self) -> str:
        return self.public_id


class ThreeDSecureSession(models.Model):
    """One 3-D Secure challenge: the hosted page the cardholder completes or fails (single use, 10 minutes).

    The page's token (`payments.three_d_secure.page_token`) is an HMAC of the public id with the
    server's key; only its SHA-256 is stored here (`token_hash`), so a copy of this table opens no page.
    `open` until the page is completed, failed or expires; the row is locked (after its intent)
    while that happens, so two tabs posting the same page move the money once.
    """

    class Status(models.TextChoices):
        OPEN = "open"
        COMPLETED = "completed"
        FAILED = "failed"
        EXPIRED = "expired"
        CANCELED = "canceled"  # the intent left requires_action another way (canceled)

    public_id = PublicIdField(prefix="3ds")
    intent = models.ForeignKey(PaymentIntent, on_delete=models.PROTECT, related_name="authentications")
    attempt = models.OneToOneField(PaymentAttempt, on_delete=models.PROTECT, related_name="authentication")
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the page token; never the token.")
    return_url = models.CharField(max_length=2048, null=True, blank=True)  # an http(s) URL (the API checks it)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    expires_at = models.DateTimeField()
    # The attempt that carried the completed authentication to the processor.
    authenticated_attempt = models.OneToOneField(
        PaymentAttempt, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], condition=Q(status="open"), name="three_d_secure_open")]
        constraints = [
            models.UniqueConstraint(fields=["intent"], condition=Q(status="open"), name="three_d_secure_one_open"),
        ]

    def __str__(self) -> str:
        return self.public_id


class SettlementRecord(models.Model):
    """One processor settlement row that was matched and posted: at most once per (connector, reference, type)."""

    class Type(models.TextChoices):
        CHARGE = "charge"
        REFUND = "refund"

    connector = models.CharField(max_length=40)
    reference = models.CharField(max_length=80)
    type = models.CharField(max_length=16, choices=Type.choices)
    gross = models.BigIntegerField()
    fee = models.BigIntegerField()
    net = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    settled_date = models.DateField()
    entry = models.ForeignKey("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connector", "reference", "type"], name="settlement_record_once"),
        ]

    def __str__(self) -> str:
        return f"{self.connector} {self.type} {self.reference}"


# --- The simulated processor's side -------------------------------------------------


class SimulatorVaultCard(models.Model):
    """The simulator vault: a token and what the test card does. Never the PAN or the CVC."""

    token = models.CharField(max_length=64, unique=True)
    behaviour = models.CharField(max_length=32)
    brand = models.CharField(max_length=16)
    country = models.CharField(max_length=2)
    last4 = models.CharField(max_length=4)
    created = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return self.token


class SimulatorOperation(models.Model):
    """One call a simulator instance answered, deduplicated on (connector, idempotency_key)."""

    connector = models.CharField(max_length=40)
    idempotency_key = models.CharField(max_length=120)
    operation = models.CharField(max_length=16)  # authorize | capture | void | refund
    status = models.CharField(max_length=16)  # succeeded | declined | error | requires_action
    decline_code = models.CharField(max_length=40, null=True, blank=True)
    error_code = models.CharField(max_length=40, null=True, blank=True)
    reference = models.CharField(max_length=80, null=True, blank=True)
    charge_reference = models.CharField(max_length=80, null=True, blank=True, help_text="The charge it acts on.")
    amount = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, blank=True, default="")
    captured = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connector", "idempotency_key"], name="simulator_operation_once"),
        ]
        indexes = [models.Index(fields=["connector", "created"], name="simulator_operation_day")]

    def __str__(self) -> str:
        return f"{self.connector} {self.operation} {self.idempotency_key}"
