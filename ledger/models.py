"""Double-entry books: accounts, journal entries and their postings.

Sign convention (the one place it is written down):

- `Posting.amount` is a signed integer in minor units: **positive = debit, negative = credit**.
  It is never zero. The postings of one entry sum to zero in each currency.
- `Account.balance` is stored on the account's *normal side*:

  - debit-normal types (asset, expense): ``balance = sum(postings.amount)``
  - credit-normal types (liability, equity, revenue): ``balance = -sum(postings.amount)``

  So a wallet (a liability) holding 10.00 USD has ``balance = 1000``, and moving money
  out of it is a debit (a positive posting) that lowers the balance.
- An account with ``allow_negative=False`` (a non-overdraft account) keeps ``balance >= 0``.
- `Posting.balance_after` is the account's balance (normal side) just after that posting,
  written under the account's row lock, so a statement page needs no running-sum scan.

Only `ledger.services.post_entry` writes postings and balances. On PostgreSQL the database
enforces the rules too (see migration 0002): a deferred trigger rejects an unbalanced entry at
commit, entries and postings reject UPDATE and DELETE, and a CHECK keeps non-overdraft
accounts at or above zero.
"""

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from payments_platform.api.ids import PublicIdField

# A hot system account spread over shards (ledger.services.accounts): shard k > 0 of the account
# `code` has the code f"{code}{SHARD_SEPARATOR}{k}".
SHARD_SEPARATOR = ":shard:"


def account_base_code(code: str) -> str:
    """The code of the account that `code` is a shard of (`code` itself for shard 0 or no shard)."""
    return code.split(SHARD_SEPARATOR, 1)[0]


class Account(models.Model):
    """A ledger account: one currency, one type, a stored balance on its normal side."""

    class Type(models.TextChoices):
        ASSET = "asset"
        LIABILITY = "liability"
        EQUITY = "equity"
        REVENUE = "revenue"
        EXPENSE = "expense"

    DEBIT_NORMAL_TYPES = frozenset({Type.ASSET, Type.EXPENSE})

    public_id = PublicIdField(prefix="acct")
    code = models.CharField(max_length=120, unique=True, help_text='Operator-readable, e.g. "platform:fees:usd".')
    name = models.CharField(max_length=200, blank=True, default="")
    type = models.CharField(max_length=16, choices=Type.choices)
    currency = models.CharField(max_length=3, help_text="Lowercase ISO 4217 code.")
    allow_negative = models.BooleanField(default=False, help_text="May the balance go below zero (overdraft)?")
    balance = models.BigIntegerField(default=0, help_text="Minor units, on the account's normal side.")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(allow_negative=True) | Q(balance__gte=0),
                name="ledger_account_non_overdraft_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_debit_normal(self) -> bool:
        return self.type in self.DEBIT_NORMAL_TYPES

    @property
    def normal_sign(self) -> int:
        """+1 for debit-normal accounts, -1 for credit-normal: ``balance = normal_sign * sum(amounts)``."""
        return 1 if self.is_debit_normal else -1


class JournalEntry(models.Model):
    """One business event in the books: two or more postings that sum to zero per currency. Immutable."""

    class Kind(models.TextChoices):
        """What an entry records: every kind the project's services post (`post_entry(kind=...)`).

        The label is the value, so the admin and exports show the kind as it is stored.
        """

        ADJUSTMENT = "adjustment", "adjustment"  # an operator's correction of a wallet (wallets.services.wallet_adjust)
        DISPUTE_REINSTATEMENT = "dispute_reinstatement", "dispute_reinstatement"
        DISPUTE_WITHDRAWAL = "dispute_withdrawal", "dispute_withdrawal"
        PAYMENT_CAPTURE = "payment_capture", "payment_capture"
        PAYOUT = "payout", "payout"
        PAYOUT_PAID = "payout_paid", "payout_paid"
        PAYOUT_REVERSAL = "payout_reversal", "payout_reversal"
        REFUND = "refund", "refund"
        REFUND_REVERSAL = "refund_reversal", "refund_reversal"
        REVERSAL = "reversal", "reversal"  # ledger.services.reverse_entry
        REVIEW_RELEASE = "review_release", "review_release"
        REVIEW_REVERSAL = "review_reversal", "review_reversal"
        SETTLEMENT = "settlement", "settlement"
        TOP_UP = "top_up", "top_up"
        TRANSFER = "transfer", "transfer"
        TRANSFER_REVERSAL = "transfer_reversal", "transfer_reversal"

    class AuditAction(StrEnum):
        """What the audit log records of an entry (`AuditLogEntry.action`)."""

        REVERSED = "ledger.entry.reversed"  # by an operator: ledger.services.journal_entry_reverse

    public_id = PublicIdField(prefix="je")
    kind = models.CharField(max_length=40, db_index=True, choices=Kind.choices)
    description = models.CharField(max_length=500, blank=True, default="")
    reference = models.CharField(max_length=255, null=True, blank=True, db_index=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    metadata = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    request_id = models.CharField(max_length=128, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    # Not a column. On the entry `post_entry` returns: the postings it wrote, saved, in the order
    # of its lines, so the caller needs no query to read them. None on an entry read from the
    # database (use `entry.postings`).
    written_postings: list["Posting"] | None = None

    class Meta:
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return self.public_id


class Posting(models.Model):
    """One line of an entry: a signed amount (+ debit, - credit) on one account. Immutable."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = models.BigIntegerField(help_text="Minor units; positive = debit, negative = credit.")
    currency = models.CharField(max_length=3)
    balance_after = models.BigIntegerField(help_text="The account's balance (normal side) after this posting.")
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["account", "id"], name="ledger_posting_account_id")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledger_posting_amount_not_zero")]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.currency} on {self.account_id}"

    @property
    def is_debit(self) -> bool:
        return self.amount > 0


class ReconciliationRun(models.Model):
    """One run of `reconcile_ledger`: when, whether the books were clean, and what was off.

    Written after the checks finish (outside their read-only snapshot); the admin overview shows
    the latest. `summary` maps each failed check's name to its count of discrepancies.
    """

    started = models.DateTimeField()
    finished = models.DateTimeField()
    clean = models.BooleanField()
    checks = models.PositiveIntegerField(help_text="How many checks ran.")
    discrepancies = models.PositiveIntegerField(help_text="Discrepancies found, over all checks.")
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started", "-id"]
        indexes = [models.Index(fields=["-started"], name="ledger_recon_started")]

    def __str__(self) -> str:
        return f"reconciliation {self.started:%Y-%m-%d %H:%M} {'clean' if self.clean else 'FAILED'}"

    @classmethod
    def record(cls, *, started, results) -> "ReconciliationRun":
        failed = {result.name: result.count for result in results if not result.ok}
        return cls.objects.create(
            started=started,
            finished=timezone.now(),
            clean=not failed,
            checks=len(results),
            discrepancies=sum(failed.values()),
            summary=failed,
        )
