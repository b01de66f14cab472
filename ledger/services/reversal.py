"""Reversing entries: the exact opposite of an entry, at most once, and an operator's audited reversal."""

from django.db import IntegrityError, transaction

from accounts.api import audit_log_record
from ledger.errors import AlreadyReversed, EntryOwnedByWallet
from ledger.models import JournalEntry
from ledger.services.lines import Line
from ledger.services.posting import post_entry

WALLET_ACCOUNT_PREFIX = "wallet:"  # the code of every wallet's ledger accounts (wallets.services.wallet_create)


def reverse_entry(*, entry: JournalEntry, description: str = "", created_by=None, request_id: str = "") -> JournalEntry:
    """Post the exact opposite of `entry` (kind "reversal", `reverses=entry`), at most once.

    Raises `AlreadyReversed` if `entry` already has a reversal (checked under a row lock on the
    entry and guaranteed by a unique constraint), and whatever `post_entry` raises (a reversal
    that would overdraw an account is refused with `InsufficientFunds`). Safe inside an outer
    transaction.
    """
    try:
        with transaction.atomic():
            JournalEntry.objects.select_for_update().filter(pk=entry.pk).values_list("pk").first()
            if JournalEntry.objects.filter(reverses_id=entry.pk).exists():
                raise AlreadyReversed(param="entry")
            lines = [
                Line(account=account_id, amount=-amount)
                for account_id, amount in entry.postings.order_by("pk").values_list("account_id", "amount")
            ]
            return post_entry(
                lines=lines,
                kind=JournalEntry.Kind.REVERSAL,
                description=description or f"Reversal of {entry.public_id}",
                reference=entry.reference,
                metadata={"reverses": entry.public_id},
                created_by=created_by,
                request_id=request_id,
                reverses=entry,
            )
    except IntegrityError as error:
        if JournalEntry.objects.filter(reverses_id=entry.pk).exists():
            raise AlreadyReversed(param="entry") from error
        raise


def entry_touches_wallet(entry: JournalEntry) -> bool:
    """Does `entry` post to any wallet account? Such an entry belongs to a business object."""
    return entry.postings.filter(account__code__startswith=WALLET_ACCOUNT_PREFIX).exists()


def journal_entry_reverse(
    *, entry: JournalEntry, actor, request_id: str = "", ip: str | None = None, reason: str = ""
) -> JournalEntry:
    """An operator reverses `entry`: `reverse_entry` plus an audit log record, in one transaction.

    Only for platform-only entries (corrections between system accounts): an entry with a posting
    on a wallet account (code "wallet:…") raises `EntryOwnedByWallet`, because undoing it here
    would leave the wallet's statement and the business object (a transfer still "succeeded")
    untrue; reverse the object through its own service instead (e.g. `wallets.services.transfer_reverse`).
    Raises what `reverse_entry` raises; then nothing is written, audit record included.
    """
    if entry_touches_wallet(entry):
        raise EntryOwnedByWallet(param="entry")
    with transaction.atomic():
        reversal = reverse_entry(
            entry=entry,
            description=reason or f"Reversal of {entry.public_id} by an operator",
            created_by=actor,
            request_id=request_id,
        )
        audit_log_record(
            action=JournalEntry.AuditAction.REVERSED,
            actor=actor,
            object_type="journal_entry",
            object_id=entry.public_id,
            request_id=request_id,
            ip=ip,
            details={"reversal": reversal.public_id, "reason": reason},
        )
    return reversal
