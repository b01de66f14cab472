"""Wallets (ledger liability accounts a user holds), their statement, transfers and payouts.

No balance lives here: a wallet's money is the balance of its ledger accounts, moved only by
`ledger.services.post_entry` (through `wallets.services.wallet_post_entry`). The rows below
describe *why* money moved (a transfer, a payout) and how the wallet's statement reads.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from payments_platform.api.ids import PublicIdField


class Wallet(models.Model):
    """One user's balance in one currency, backed by two non-overdraft ledger liability accounts.

    `available_account` holds spendable money; `pending_account` holds money under fraud review
    (a transfer received while its review is open). Both are credit-normal: crediting them raises the balance.
    """

    class Status(models.TextChoices):
        ACTIVE = "active"

    public_id = PublicIdField(prefix="wal")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wallets")
    currency = models.CharField(max_length=3, help_text="Lowercase ISO 4217 code.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    available_account = models.OneToOneField(
        "ledger.Account", on_delete=models.PROTECT, related_name="+", help_text="wallet:<id>:available"
    )
    pending_account = models.OneToOneField(
        "ledger.Account", on_delete=models.PROTECT, related_name="+", help_text="wallet:<id>:pending"
    )
    # The platform's receivable from the owner (an asset, never below zero): what a dispute took
    # beyond the wallet's balance (`balance.owed`). Created with the wallet (null only for rows of
    # migrations that have not run); money that
    # reaches the wallet repays it first (`wallets.services.wallet_post_entry`).
    owed_account = models.OneToOneField(
        "ledger.Account",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="wallet:<id>:owed, created with the wallet",
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "currency"], name="wallet_one_per_user_currency")]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.currency})"


class BalanceTransaction(models.Model):
    """One line of a wallet's statement: exactly one ledger posting on its available account.

    Written by `wallet_post_entry` in the transaction of the posting, so `balance_after` is the
    posting's own `balance_after` (taken under the account's row lock: exact under concurrency).
    `amount` is signed from the wallet's view: + money in, - money out.
    """

    class Type(models.TextChoices):
        TOP_UP = "top_up"
        TRANSFER_IN = "transfer_in"
        TRANSFER_OUT = "transfer_out"
        PAYMENT = "payment"
        REFUND = "refund"
        FEE = "fee"
        PAYOUT = "payout"
        PAYOUT_REVERSAL = "payout_reversal"
        ADJUSTMENT = "adjustment"
        DISPUTE = "dispute"  # withdrawn for a dispute (amount, fee), or a dispute debt repaid
        DISPUTE_REVERSAL = "dispute_reversal"  # a won dispute's amount and fee given back

    public_id = PublicIdField(prefix="txn")
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="balance_transactions")
    posting = models.OneToOneField("ledger.Posting", on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(help_text="Minor units; + money in, - money out (the wallet's view).")
    currency = models.CharField(max_length=3)
    type = models.CharField(max_length=20, choices=Type.choices)
    description = models.CharField(max_length=500, blank=True, default="")
    source = models.CharField(max_length=40, help_text="Public id of what caused it: tr_…, po_…, pi_…, je_….")
    balance_after = models.BigIntegerField(help_text="The wallet's available balance just after this line.")
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["wallet", "id"], name="wallet_txn_wallet_id")]

    def __str__(self) -> str:
        return f"{self.public_id} {self.type} {self.amount:+d}"


class Transfer(models.Model):
    """A P2P move between two wallets of one currency: one ledger entry (kind "transfer")."""

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded"
        REVERSED = "reversed"  # a fraud review rejected it: the held money went back to the sender

    public_id = PublicIdField(prefix="tr")
    source_wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="+")
    destination_wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="+")
    # Denormalised owners, so "transfers I sent or received" is two index scans, not joins.
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=500, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUCCEEDED)
    outcome = models.JSONField(
        null=True, blank=True, help_text="The fraud outcome {type, risk_level, risk_score, rules, reason}."
    )
    funds_held = models.BooleanField(
        default=False, help_text="Under fraud review: the amount sits in the recipient wallet's pending account."
    )
    entry = models.OneToOneField("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["sender", "id"], name="transfer_sender_id"),
            models.Index(fields=["recipient", "id"], name="transfer_recipient_id"),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive")]

    def __str__(self) -> str:
        return self.public_id

    @property
    def parties(self) -> list:
        """The users its events go to: the sender, and the recipient when that is another user."""
        return [self.sender] if self.recipient_id == self.sender_id else [self.sender, self.recipient]


class Payout(models.Model):
    """A withdrawal to a bank account: money sits in "payouts in transit" until the bank settles it.

    Only the last four digits of the account number are kept (`account_last4`); the bank
    simulator's reference (`bank_reference`) is how its outcome is asked for later. A payout
    under fraud review (`held_for_review`) stays pending until the review is closed.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        PAID = "paid"
        FAILED = "failed"

    public_id = PublicIdField(prefix="po")
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="payouts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    account_last4 = models.CharField(max_length=4)
    routing_number = models.CharField(max_length=9)
    bank_reference = models.CharField(max_length=80, blank=True, default="")
    description = models.CharField(max_length=500, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    failure_code = models.CharField(max_length=40, null=True, blank=True)
    failure_message = models.CharField(max_length=500, null=True, blank=True)
    outcome = models.JSONField(
        null=True, blank=True, help_text="The fraud outcome {type, risk_level, risk_score, rules, reason}."
    )
    held_for_review = models.BooleanField(
        default=False, help_text="Under fraud review: process_payouts does not settle it until the review is approved."
    )
    arrival_date = models.DateTimeField(help_text="When the bank is expected to settle it (process_payouts).")
    entry = models.OneToOneField("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    settlement_entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["user", "id"], name="payout_user_id"),
            models.Index(fields=["wallet", "status"], name="payout_wallet_status"),
            models.Index(
                fields=["arrival_date", "id"],
                condition=Q(status="pending", held_for_review=False),
                name="payout_pending_due",
            ),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive")]

    def __str__(self) -> str:
        return self.public_id
