"""`post_entry`: the only code in the project that writes a balance.

See `ledger.models` for the sign convention: a line's amount is signed, + debit / - credit.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import nullcontext

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.utils import CursorWrapper

from ledger.errors import CurrencyMismatch, InsufficientFunds, InvalidEntry, UnbalancedEntry
from ledger.models import Account, JournalEntry, Posting
from ledger.services.lines import Line, line_account_pk, lines_validate
from ledger.services.statements import LockedBalance, accounts_lock, entry_write
from payments_platform.db import prepared_cursor

# complete(balances of the accounts asked for by code, by code) -> the extra lines of the entry
CompleteLines = Callable[[dict[str, LockedBalance]], Sequence[Line]]


def post_entry(
    *,
    lines: Sequence[Line],
    kind: str,
    description: str = "",
    reference: str | None = None,
    metadata: dict | None = None,
    created_by=None,
    request_id: str = "",
    reverses: JournalEntry | None = None,
    lock_codes: Sequence[str] = (),
    complete: CompleteLines | None = None,
) -> JournalEntry:
    """Post one balanced journal entry and update the stored balances, atomically.

    Guarantees, in one transaction (its own, or the caller's when called inside
    `transaction.atomic()`, so the caller can add its own writes, such as an outbox event, to
    the same commit):

    - raises `InvalidEntry` for fewer than two lines, a zero or non-integer amount, or an unknown
      account; `CurrencyMismatch` when a line's currency is not its account's; `UnbalancedEntry`
      when the lines do not sum to zero in each currency; `InsufficientFunds` (param "amount")
      when the entry would take a non-overdraft account below zero. Nothing is written then.
    - locks every touched account row with SELECT ... FOR UPDATE in primary-key order (so two
      concurrent entries on the same accounts cannot deadlock) and checks balances under the lock;
    - inserts the entry and its postings and updates each touched balance with one UPDATE.

    `kind` is one of `JournalEntry.Kind` (the column is not constrained: tests post their own kinds).
    `Account` instances passed in `lines` have their `balance` refreshed to the new value, and
    the returned entry's `written_postings` lists the postings written, in the order of `lines`.
    Writes no event: the caller records its own in the same transaction.

    `lock_codes` and `complete`: lines that depend on balances read under the lock. The accounts
    of `lock_codes` that exist are locked with the others (primary-key order);
    `complete(balances by code)` then returns extra lines, appended to `lines`, which may touch
    only locked accounts. (Wallets repay a dispute debt from incoming money this way.) The
    extra postings follow the others in `written_postings`.
    """
    pks = lines_validate(lines)
    db = connections[DEFAULT_DB_ALIAS]  # once: every `connection.x` is a lookup in a context-local
    entry = JournalEntry(
        kind=kind,
        description=description,
        reference=reference,
        reverses=reverses,
        metadata=metadata or {},
        created_by=created_by,
        request_id=request_id or "",
    )
    lock_codes = tuple(lock_codes) if complete is not None else ()
    # Inside the caller's transaction no savepoint is needed: every refusal is raised before the
    # first write, and the write is a single statement. One cursor for the lock and the write.
    with nullcontext() if db.in_atomic_block else transaction.atomic(), prepared_cursor(db) as cursor:
        entry, postings, running = _lock_check_write(
            cursor, lines=lines, pks=pks, entry=entry, lock_codes=lock_codes, complete=complete
        )
    for line in lines:
        if isinstance(line.account, Account):
            line.account.balance = running[line.account.pk]
    entry.written_postings = postings
    return entry


def _lock_check_write(
    cursor: CursorWrapper,
    *,
    lines: Sequence[Line],
    pks: list[int],
    entry: JournalEntry,
    lock_codes: Sequence[str] = (),
    complete: CompleteLines | None = None,
) -> tuple[JournalEntry, list[Posting], dict[int, int]]:
    unique_pks = sorted(set(pks))
    locked, by_code = accounts_lock(cursor, pks=unique_pks, codes=lock_codes)
    if len(set(locked) & set(unique_pks)) != len(unique_pks):
        raise InvalidEntry("A line refers to an account that does not exist.", param="account")
    if complete is not None:
        extra = list(complete(by_code))
        for line in extra:
            if line_account_pk(line.account) not in locked:
                raise InvalidEntry("A completing line must touch an account the entry locked.", param="lines")
        lines = [*lines, *extra]
        pks = lines_validate(lines)
        unique_pks = sorted(set(pks))

    totals: dict[str, int] = defaultdict(int)
    deltas: dict[int, int] = defaultdict(int)  # pk -> change of the stored (normal-side) balance
    for line, pk in zip(lines, pks, strict=True):
        account = locked[pk]
        if line.currency is not None and line.currency != account.currency:
            raise CurrencyMismatch(
                f"The line's currency {line.currency!r} is not its account's currency {account.currency!r}.",
                param="currency",
            )
        totals[account.currency] += line.amount
        deltas[pk] += account.normal_sign * line.amount
    unbalanced = sorted(currency for currency, total in totals.items() if total != 0)
    if unbalanced:
        raise UnbalancedEntry(f"The lines do not sum to zero in {', '.join(unbalanced)}.", param="lines")
    for pk in unique_pks:
        account = locked[pk]
        if not account.allow_negative and deltas[pk] < 0 and account.balance + deltas[pk] < 0:
            error = InsufficientFunds(param="amount")
            error.account_id = pk
            raise error

    running = {pk: locked[pk].balance for pk in unique_pks}
    postings = []
    for line, pk in zip(lines, pks, strict=True):
        account = locked[pk]
        running[pk] += account.normal_sign * line.amount
        postings.append(
            Posting(account_id=pk, amount=line.amount, currency=account.currency, balance_after=running[pk])
        )
    changed = {pk: deltas[pk] for pk in unique_pks if deltas[pk] != 0}
    entry_write(cursor, entry=entry, postings=postings, changed=changed)

    return entry, postings, running
