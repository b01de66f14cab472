"""Every write of the ledger. `post_entry` is the only code in the project that writes a balance.

See `ledger.models` for the sign convention: a line's amount is signed, + debit / - credit.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from accounts.services import audit_log_record
from ledger.currencies import is_iso_currency, is_supported_currency
from ledger.errors import (
    AlreadyReversed,
    CurrencyMismatch,
    EntryOwnedByWallet,
    InsufficientFunds,
    InvalidEntry,
    UnbalancedEntry,
)
from ledger.models import Account, JournalEntry, Posting
from payments_platform.api.errors import ParameterInvalid
from payments_platform.api.ids import new_public_id
from payments_platform.db import prepared_cursor

# purpose -> (account type, may it go negative?). Codes are f"platform:{purpose}:{currency}".
SYSTEM_ACCOUNT_PURPOSES: dict[str, tuple[str, bool]] = {
    "processor_receivable": (Account.Type.ASSET, True),  # owed to us by the card processor
    "platform_cash": (Account.Type.ASSET, True),  # our money at the bank
    "fees": (Account.Type.REVENUE, False),  # fee revenue
    "payouts_in_transit": (Account.Type.LIABILITY, False),  # paid out, not yet settled by the bank
    "adjustments": (Account.Type.EQUITY, True),  # operator corrections, opening balances
    "processor_fees": (Account.Type.EXPENSE, False),  # what the processor charges us
}

MAX_LINES = 100


@dataclass(frozen=True)
class Line:
    """One line of an entry to post: a signed amount (+ debit, - credit) on an account.

    `currency`, when given, must equal the account's currency (else `CurrencyMismatch`);
    when omitted the line is in the account's currency.
    """

    account: Account | int  # an Account or its pk
    amount: int  # signed: + debit, - credit
    currency: str | None = None


def _positive(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidEntry("A debit or credit amount must be a positive integer.", param="amount")
    return amount


def debit(account: Account | int, amount: int, *, currency: str | None = None) -> Line:
    """A debit line (positive amount): raises an asset or expense, lowers a liability, equity or revenue."""
    return Line(account=account, amount=_positive(amount), currency=currency)


def credit(account: Account | int, amount: int, *, currency: str | None = None) -> Line:
    """A credit line (negative amount): lowers an asset or expense, raises a liability, equity or revenue."""
    return Line(account=account, amount=-_positive(amount), currency=currency)


def _account_pk(account: Account | int) -> int:
    if isinstance(account, Account):
        if account.pk is None:
            raise InvalidEntry("A line's account has not been saved.", param="account")
        return account.pk
    if isinstance(account, bool) or not isinstance(account, int):
        raise InvalidEntry("A line's account must be an Account or its primary key.", param="account")
    return account


def _validate_shape(lines: Sequence[Line]) -> list[int]:
    """Checks that need no database: returns each line's account pk."""
    if len(lines) < 2:
        raise InvalidEntry("A journal entry needs at least two lines.", param="lines")
    if len(lines) > MAX_LINES:
        raise InvalidEntry(f"A journal entry has at most {MAX_LINES} lines.", param="lines")
    pks = []
    for line in lines:
        amount = line.amount
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise InvalidEntry("A line's amount must be an integer in minor units.", param="amount")
        if amount == 0:
            raise InvalidEntry("A line's amount must not be zero.", param="amount")
        pks.append(_account_pk(line.account))
    return pks


@dataclass(frozen=True)
class _LockedAccount:
    """The columns `post_entry` needs of an account row it holds locked."""

    pk: int
    type: str
    currency: str
    allow_negative: bool
    balance: int

    @property
    def normal_sign(self) -> int:
        return 1 if self.type in Account.DEBIT_NORMAL_TYPES else -1


# One statement text for any number of accounts, so PostgreSQL prepares it once per connection.
_LOCK_SQL = (
    f"SELECT id, type, currency, allow_negative, balance FROM {Account._meta.db_table}"  # noqa: S608
    " WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE"
)
# The same lock, plus accounts named by code (those that exist), for `post_entry(complete=...)`.
_LOCK_BY_CODE_SQL = (
    f"SELECT id, type, currency, allow_negative, balance, code, public_id FROM {Account._meta.db_table}"  # noqa: S608
    " WHERE id = ANY(%s::bigint[]) OR code = ANY(%s::varchar[]) ORDER BY id FOR UPDATE"
)


@dataclass(frozen=True)
class LockedBalance:
    """What a `complete` callback of `post_entry` sees of an account it asked for by code: read under its lock."""

    pk: int
    code: str
    public_id: str
    balance: int


# complete(balances of the accounts asked for by code, by code) -> the extra lines of the entry
CompleteLines = Callable[[dict[str, LockedBalance]], Sequence["Line"]]


def _lock_accounts(
    cursor: CursorWrapper, pks: list[int], codes: Sequence[str] = ()
) -> tuple[dict[int, _LockedAccount], dict[str, LockedBalance]]:
    """SELECT ... FOR UPDATE the accounts (and those of `codes` that exist), in primary-key order
    (no deadlocks): one statement, so asking for accounts by code costs no extra round trip.

    Plain SQL rather than a queryset: this runs on every transfer, and compiling the
    queryset and building model instances cost more than the round trip itself.
    """
    if not codes:
        cursor.execute(_LOCK_SQL, [pks])
        return {row[0]: _LockedAccount(*row) for row in cursor.fetchall()}, {}
    cursor.execute(_LOCK_BY_CODE_SQL, [pks, list(codes)])
    locked, by_code = {}, {}
    wanted = set(codes)
    for row in cursor.fetchall():
        locked[row[0]] = _LockedAccount(*row[:5])
        if row[5] in wanted:
            by_code[row[5]] = LockedBalance(pk=row[0], code=row[5], public_id=row[6], balance=row[4])
    return locked, by_code


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

    `Account` instances passed in `lines` have their `balance` refreshed to the new value, and
    the returned entry's `written_postings` lists the postings written, in the order of `lines`.
    Writes no event: the caller records its own in the same transaction.

    `lock_codes` and `complete`: lines that depend on balances read under the lock. The accounts
    of `lock_codes` that exist are locked with the others (one statement, primary-key order);
    `complete(balances by code)` then returns extra lines, appended to `lines`, which may touch
    only locked accounts. (Wallets repay a dispute debt from incoming money this way.) The
    extra postings follow the others in `written_postings`.
    """
    pks = _validate_shape(lines)
    unique_pks = sorted(set(pks))
    db = connections[DEFAULT_DB_ALIAS]  # once: every `connection.x` is a lookup in a context-local
    arguments = {
        "db": db,
        "lines": lines,
        "pks": pks,
        "unique_pks": unique_pks,
        "lock_codes": tuple(lock_codes) if complete is not None else (),
        "complete": complete,
        "entry": JournalEntry(
            kind=kind,
            description=description,
            reference=reference,
            reverses=reverses,
            metadata=metadata or {},
            created_by=created_by,
            request_id=request_id or "",
        ),
    }
    if db.in_atomic_block:
        # Inside the caller's transaction no savepoint is needed: every refusal is raised
        # before the first write, and the write is a single statement. Saves two round trips.
        entry, postings, running = _post_locked(**arguments)
    else:
        with transaction.atomic():
            entry, postings, running = _post_locked(**arguments)
    for line in lines:
        if isinstance(line.account, Account):
            line.account.balance = running[line.account.pk]
    entry.written_postings = postings
    return entry


def _post_locked(
    *,
    db: BaseDatabaseWrapper,
    lines: Sequence[Line],
    pks: list[int],
    unique_pks: list[int],
    entry: JournalEntry,
    lock_codes: Sequence[str] = (),
    complete: CompleteLines | None = None,
) -> tuple[JournalEntry, list[Posting], dict[int, int]]:
    """The body of `post_entry`, inside a transaction: lock, check, write (one cursor for both)."""
    with prepared_cursor(db) as cursor:
        return _lock_check_write(
            cursor,
            lines=lines,
            pks=pks,
            unique_pks=unique_pks,
            entry=entry,
            lock_codes=lock_codes,
            complete=complete,
        )


def _lock_check_write(
    cursor: CursorWrapper,
    *,
    lines: Sequence[Line],
    pks: list[int],
    unique_pks: list[int],
    entry: JournalEntry,
    lock_codes: Sequence[str] = (),
    complete: CompleteLines | None = None,
) -> tuple[JournalEntry, list[Posting], dict[int, int]]:
    locked, by_code = _lock_accounts(cursor, unique_pks, lock_codes)
    if len(set(locked) & set(unique_pks)) != len(unique_pks):
        raise InvalidEntry("A line refers to an account that does not exist.", param="account")
    if complete is not None:
        extra = list(complete(by_code))
        for line in extra:
            if _account_pk(line.account) not in locked:
                raise InvalidEntry("A completing line must touch an account the entry locked.", param="lines")
        lines = [*lines, *extra]
        pks = _validate_shape(lines)
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
    _write_postgresql(cursor, entry, postings, changed)

    return entry, postings, running


# The entry, its postings and the balance updates in one round trip (data-modifying CTEs). The
# benchmark `benchmarks/ledger_post.py` sends this same statement by hand; keep the two in step.
_WRITE_SQL = """
WITH entry AS (
    INSERT INTO ledger_journalentry
        (public_id, kind, description, reference, reverses_id, metadata, created_by_id, request_id, created)
    VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s)
    RETURNING id
), postings AS (
    INSERT INTO ledger_posting (entry_id, account_id, amount, currency, balance_after, created)
    SELECT entry.id, line.account_id, line.amount, line.currency, line.balance_after, %s
      FROM entry,
           unnest(%s::bigint[], %s::bigint[], %s::varchar[], %s::bigint[])
               WITH ORDINALITY AS line(account_id, amount, currency, balance_after, n)
     ORDER BY line.n
    RETURNING id
), balances AS (
    UPDATE ledger_account SET balance = ledger_account.balance + change.delta
      FROM unnest(%s::bigint[], %s::bigint[]) AS change(id, delta)
     WHERE ledger_account.id = change.id
)
SELECT (SELECT id FROM entry), (SELECT array_agg(id ORDER BY id) FROM postings)
"""


def _write_postgresql(
    cursor: CursorWrapper, entry: JournalEntry, postings: list[Posting], changed: dict[int, int]
) -> None:
    """INSERT the entry and its postings and UPDATE the balances in one statement: the transfer path is
    hot, round trips count.

    Posting ids follow the order of the lines (the INSERT ... SELECT is ordered), so the returned
    ids, sorted, map back onto `postings`.
    """
    entry.public_id = new_public_id("je")
    entry.created = timezone.now()
    cursor.execute(
        _WRITE_SQL,
        [
            entry.public_id,
            entry.kind,
            entry.description,
            entry.reference,
            entry.reverses_id,
            json.dumps(entry.metadata),
            entry.created_by_id,
            entry.request_id,
            entry.created,
            entry.created,
            [posting.account_id for posting in postings],
            [posting.amount for posting in postings],
            [posting.currency for posting in postings],
            [posting.balance_after for posting in postings],
            list(changed),
            list(changed.values()),
        ],
    )
    entry_id, posting_ids = cursor.fetchone()
    entry.pk = entry_id
    entry._state.adding = False
    entry._state.db = cursor.db.alias
    for posting, posting_id in zip(postings, posting_ids, strict=True):
        posting.pk = posting_id
        posting.entry = entry
        posting.created = entry.created
        posting._state.adding = False
        posting._state.db = cursor.db.alias


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
                kind="reversal",
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


def account_create(*, code: str, type: str, currency: str, allow_negative: bool = False, name: str = "") -> Account:
    """Create an account with a zero balance.

    Raises `ParameterInvalid` for an unknown type (param "type"), a currency that is not a
    lowercase ISO 4217 code (param "currency"), or a code already taken (param "code").
    """
    if type not in Account.Type.values:
        raise ParameterInvalid(f"Unknown account type {type!r}.", param="type")
    if not is_iso_currency(currency) or currency != currency.lower():
        raise ParameterInvalid(f"Unknown currency {currency!r}.", param="currency")
    if not code:
        raise ParameterInvalid("An account code is required.", param="code")
    try:
        with transaction.atomic():
            return Account.objects.create(
                code=code, name=name, type=type, currency=currency, allow_negative=allow_negative
            )
    except IntegrityError:
        raise ParameterInvalid(f"An account with code {code!r} already exists.", param="code") from None


def system_account(*, purpose: str, currency: str) -> Account:
    """The platform's account for `purpose` in `currency` (code f"platform:{purpose}:{currency}").

    Migrations create them for `SUPPORTED_CURRENCIES`; one missing (a currency added to the setting
    later) is created here, race-free (get_or_create on the unique code). Raises `ParameterInvalid`
    for an unknown purpose or an unsupported currency.
    """
    if purpose not in SYSTEM_ACCOUNT_PURPOSES:
        raise ParameterInvalid(f"Unknown system account purpose {purpose!r}.", param="purpose")
    if not is_supported_currency(currency):
        raise ParameterInvalid(f"Unsupported currency {currency!r}.", param="currency")
    account_type, allow_negative = SYSTEM_ACCOUNT_PURPOSES[purpose]
    code = f"platform:{purpose}:{currency}"
    account = Account.objects.filter(code=code).first()
    if account is None:
        account, _ = Account.objects.get_or_create(
            code=code,
            defaults={
                "name": f"{purpose.replace('_', ' ').capitalize()} ({currency.upper()})",
                "type": account_type,
                "currency": currency,
                "allow_negative": allow_negative,
            },
        )
    return account


WALLET_ACCOUNT_PREFIX = "wallet:"  # the code of every wallet's ledger accounts (wallets.services.wallet_create)


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
            action="ledger.entry.reversed",
            actor=actor,
            object_type="journal_entry",
            object_id=entry.public_id,
            request_id=request_id,
            ip=ip,
            details={"reversal": reversal.public_id, "reason": reason},
        )
    return reversal
