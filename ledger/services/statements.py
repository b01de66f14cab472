"""The SQL that `post_entry` sends: the account lock and the one statement that writes an entry.

Plain SQL rather than querysets: these run on every transfer, and compiling a queryset and
building model instances cost more than the round trip itself (docs/ledger.md, "Performance").
Each statement has one text for any number of accounts, so PostgreSQL prepares it once per
connection (`payments_platform.db.prepared_cursor`). `benchmarks/ledger_post.py` sends these
same statements by hand, imported from here.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from ledger.models import Account, JournalEntry, Posting
from payments_platform.api.ids import new_public_id

LOCK_ACCOUNTS_SQL = (
    f"SELECT id, type, currency, allow_negative, balance FROM {Account._meta.db_table}"  # noqa: S608
    " WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE"
)
# The same lock, plus accounts named by code (those that exist), for `post_entry(complete=...)`.
LOCK_ACCOUNTS_BY_CODE_SQL = (
    f"SELECT id, type, currency, allow_negative, balance, code, public_id FROM {Account._meta.db_table}"  # noqa: S608
    " WHERE id = ANY(%s::bigint[]) OR code = ANY(%s::varchar[]) ORDER BY id FOR UPDATE"
)

# The entry, its postings and the balance updates together (data-modifying CTEs). Posting ids
# follow the order of the lines (the INSERT ... SELECT is ordered). Its parameters, in order,
# come from `write_entry_parameters`.
WRITE_ENTRY_SQL = """
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


@dataclass(frozen=True)
class LockedAccount:
    """The columns `post_entry` needs of an account row it holds locked."""

    pk: int
    type: str
    currency: str
    allow_negative: bool
    balance: int

    @property
    def normal_sign(self) -> int:
        return 1 if self.type in Account.DEBIT_NORMAL_TYPES else -1


@dataclass(frozen=True)
class LockedBalance:
    """What a `complete` callback of `post_entry` sees of an account it asked for by code: read under its lock."""

    pk: int
    code: str
    public_id: str
    balance: int


def accounts_lock(
    cursor: CursorWrapper, *, pks: list[int], codes: Sequence[str] = ()
) -> tuple[dict[int, LockedAccount], dict[str, LockedBalance]]:
    """SELECT ... FOR UPDATE the accounts `pks` (and those of `codes` that exist) in primary-key order,
    so two concurrent entries on the same accounts cannot deadlock. Expects a transaction."""
    if not codes:
        cursor.execute(LOCK_ACCOUNTS_SQL, [pks])
        return {row[0]: LockedAccount(*row) for row in cursor.fetchall()}, {}
    cursor.execute(LOCK_ACCOUNTS_BY_CODE_SQL, [pks, list(codes)])
    locked, by_code = {}, {}
    wanted = set(codes)
    for row in cursor.fetchall():
        locked[row[0]] = LockedAccount(*row[:5])
        if row[5] in wanted:
            by_code[row[5]] = LockedBalance(pk=row[0], code=row[5], public_id=row[6], balance=row[4])
    return locked, by_code


def write_entry_parameters(
    *,
    entry: JournalEntry,
    postings: Sequence[tuple[int, int, str, int]],
    changed: dict[int, int],
) -> list:
    """The parameters of `WRITE_ENTRY_SQL`, in order: the entry's columns (its `public_id` and
    `created` set), the postings as (account id, amount, currency, balance after), and each
    changed account's balance delta by account id."""
    return [
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
        [account_id for account_id, _, _, _ in postings],
        [amount for _, amount, _, _ in postings],
        [currency for _, _, currency, _ in postings],
        [balance_after for _, _, _, balance_after in postings],
        list(changed),
        list(changed.values()),
    ]


def entry_write(
    cursor: CursorWrapper, *, entry: JournalEntry, postings: list[Posting], changed: dict[int, int]
) -> None:
    """INSERT the entry and its postings and UPDATE the balances (`changed`: delta by account pk) with
    `WRITE_ENTRY_SQL`; sets the primary keys and saved state of `entry` and `postings`."""
    entry.public_id = new_public_id("je")
    entry.created = timezone.now()
    rows = [(posting.account_id, posting.amount, posting.currency, posting.balance_after) for posting in postings]
    cursor.execute(WRITE_ENTRY_SQL, write_entry_parameters(entry=entry, postings=rows, changed=changed))
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
