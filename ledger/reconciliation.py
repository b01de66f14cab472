"""Set-based checks that the books are consistent, used by `manage.py reconcile_ledger`.

Each check is one SQL statement over whole tables (hash aggregates and joins, no Python loop over
rows), so a million postings take seconds. Each returns the offending rows, with the ids an
operator needs, plus how many there are in all.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from payments_platform.db import client_binding_cursor

DEBIT_NORMAL = "('asset', 'expense')"
SIGN = f"CASE WHEN a.type IN {DEBIT_NORMAL} THEN 1 ELSE -1 END"


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    sql: str  # selects the discrepancies, plus `total` = COUNT(*) OVER () as its last column


CHECKS: tuple[Check, ...] = (
    Check(
        "entries_balanced",
        "every journal entry sums to zero in each currency",
        """
        SELECT e.public_id AS entry, s.currency, s.total AS sum, COUNT(*) OVER () AS total
          FROM (SELECT entry_id, currency, SUM(amount) AS total
                  FROM ledger_posting GROUP BY entry_id, currency HAVING SUM(amount) <> 0) s
          JOIN ledger_journalentry e ON e.id = s.entry_id
         ORDER BY e.id
        """,
    ),
    Check(
        "entries_have_two_postings",
        "every journal entry has at least two postings",
        """
        SELECT e.public_id AS entry, COALESCE(c.n, 0) AS postings, COUNT(*) OVER () AS total
          FROM ledger_journalentry e
          LEFT JOIN (SELECT entry_id, COUNT(*) AS n FROM ledger_posting GROUP BY entry_id) c ON c.entry_id = e.id
         WHERE COALESCE(c.n, 0) < 2
         ORDER BY e.id
        """,
    ),
    Check(
        "balances_match_postings",
        "every stored balance equals the sum of its postings (on the account's normal side)",
        # MATERIALIZED: summed in one parallel hash aggregate; inlined, the ORDER BY led the planner to
        # walk every posting in account order through the index, several times slower.
        f"""
        WITH s AS MATERIALIZED (SELECT account_id, SUM(amount) AS total FROM ledger_posting GROUP BY account_id)
        SELECT a.public_id AS account, a.code, a.balance AS stored, {SIGN} * COALESCE(s.total, 0) AS computed,
               COUNT(*) OVER () AS total
          FROM ledger_account a
          LEFT JOIN s ON s.account_id = a.id
         WHERE a.balance <> {SIGN} * COALESCE(s.total, 0)
         ORDER BY a.id
        """,  # noqa: S608 (constant SQL)
    ),
    Check(
        "running_balances",
        "every posting's balance_after equals the running sum of its account's postings",
        f"""
        SELECT r.id AS posting, a.public_id AS account, a.code, r.balance_after AS stored,
               {SIGN} * r.running AS computed, COUNT(*) OVER () AS total
          FROM (SELECT id, account_id, balance_after,
                       SUM(amount) OVER (PARTITION BY account_id ORDER BY id) AS running
                  FROM ledger_posting) r
          JOIN ledger_account a ON a.id = r.account_id
         WHERE r.balance_after <> {SIGN} * r.running
         ORDER BY r.id
        """,  # noqa: S608 (constant SQL)
    ),
    Check(
        "no_overdraft",
        "no account that may not go negative has a negative balance",
        """
        SELECT a.public_id AS account, a.code, a.balance, COUNT(*) OVER () AS total
          FROM ledger_account a
         WHERE NOT a.allow_negative AND a.balance < 0
         ORDER BY a.id
        """,
    ),
    Check(
        "posting_currency_matches_account",
        "each posting's currency equals its account's currency",
        """
        SELECT p.id AS posting, e.public_id AS entry, a.public_id AS account, p.currency,
               a.currency AS account_currency, COUNT(*) OVER () AS total
          FROM ledger_posting p
          JOIN ledger_account a ON a.id = p.account_id
          JOIN ledger_journalentry e ON e.id = p.entry_id
         WHERE p.currency <> a.currency
         ORDER BY p.id
        """,
    ),
    Check(
        "trial_balance_postings",
        "the postings of each currency sum to zero",
        """
        SELECT currency, SUM(amount) AS net, COUNT(*) OVER () AS total
          FROM ledger_posting GROUP BY currency HAVING SUM(amount) <> 0
         ORDER BY currency
        """,
    ),
    Check(
        "trial_balance_accounts",
        "the stored balances of each currency sum to zero (debit balances = credit balances)",
        f"""
        SELECT a.currency, SUM({SIGN} * a.balance) AS net, COUNT(*) OVER () AS total
          FROM ledger_account a GROUP BY a.currency HAVING SUM({SIGN} * a.balance) <> 0
         ORDER BY a.currency
        """,  # noqa: S608 (constant SQL)
    ),
)


# Checks other apps add (`register_check`, from their AppConfig.ready): the ledger knows nothing
# of wallets or disputes, but reconciles them with everything else, in the same snapshot.
_REGISTERED: list[Check] = []


def register_check(check: Check) -> None:
    """Add `check` to those `reconcile` runs (once per name: a second registration replaces the first)."""
    _REGISTERED[:] = [existing for existing in _REGISTERED if existing.name != check.name]
    _REGISTERED.append(check)


def all_checks() -> tuple[Check, ...]:
    """The ledger's own checks, then the registered ones."""
    return CHECKS + tuple(_REGISTERED)


@dataclass
class CheckResult:
    name: str
    description: str
    count: int = 0
    seconds: float = 0.0
    discrepancies: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.count == 0

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "ok": self.ok,
            "count": self.count,
            "seconds": round(self.seconds, 3),
            "discrepancies": self.discrepancies,
        }


def _plain(value):
    """SUM() over bigint is numeric on PostgreSQL: report whole numbers as ints."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


def run_check(check: Check, *, limit: int) -> CheckResult:
    """Run one check; list at most `limit` discrepancies but count them all."""
    started = time.perf_counter()
    # A batch statement over the whole ledger: planned on each run with its values, never as a
    # generic plan (payments_platform.db).
    with client_binding_cursor() as cursor:
        cursor.execute(f"{check.sql} LIMIT %s", [limit])
        columns = [column[0] for column in cursor.description]  # DB-API: name first, on every backend
        rows = cursor.fetchall()
    discrepancies = [{key: _plain(value) for key, value in zip(columns[:-1], row[:-1], strict=True)} for row in rows]
    count = rows[0][-1] if rows else 0
    return CheckResult(check.name, check.description, count, time.perf_counter() - started, discrepancies)


def reconcile(*, limit: int = 100, on_start: Callable[[Check], None] | None = None) -> Iterator[CheckResult]:
    """Run every check in a single read-only snapshot (REPEATABLE READ), yielding results.

    One snapshot means postings committed while the checks run cannot make them disagree.
    """
    with connection.cursor() as cursor:
        if not connection.in_atomic_block:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            own_transaction = True
        else:
            own_transaction = False
    try:
        for check in all_checks():
            if on_start is not None:
                on_start(check)
            yield run_check(check, limit=limit)
    finally:
        if own_transaction:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
