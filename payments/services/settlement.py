"""Settlement: the processor's daily report (export, from the simulator) and its reconciliation.

Reconciliation is set-based: the file is read once and matched with one query per kind of row
(each a single hashed scan, whatever the file's size), then posted in batches of `BATCH_SIZE`
rows: per batch, one query for the rows already settled, one aggregated journal entry per (connector,
currency), and one INSERT of the batch's `SettlementRecord`s (from arrays, with no
model instances), whose unique (connector, reference, type) makes a second run of the same file
post nothing.

Entries (kind "settlement"): a charge row debits platform cash with the net and processor fees
with the fee, and credits the connector receivable with the gross; a refund row is the opposite
direction: debit the receivable with the gross, debit processor fees with the fee, credit
platform cash with the net (gross + fee).
"""

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction

from ledger.api import JournalEntry, Line, post_entry, system_account
from payments.connectors import connector_get
from payments.models import PaymentIntent, Refund, SettlementRecord
from payments.services.postings import receivable_account
from payments_platform.db import client_binding_cursor

HEADER = ["reference", "type", "gross", "fee", "net", "currency", "settled_date"]
BATCH_SIZE = 5000


def settlement_report_write(*, connector: str, day: date, out) -> int:
    """Write the CSV `connector` would send for `day` (header + one row per capture and refund). Returns rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    count = 0
    for reference, kind, gross, fee, net, currency in connector_get(connector).settlement_rows(day=day):
        writer.writerow([reference, kind, gross, fee, net, currency, day.isoformat()])
        count += 1
    return count


class SettlementFileInvalid(ValueError):
    pass


@dataclass(frozen=True)
class SettlementRow:
    line: int
    reference: str
    type: str
    gross: int
    fee: int
    net: int
    currency: str
    settled_date: date


def settlement_file_read(text: Iterable[str]) -> list[SettlementRow]:
    """Parse and check a settlement CSV: `SettlementFileInvalid` names the first bad line."""
    reader = csv.reader(text)
    header = next(reader, None)
    if header is None or [cell.strip() for cell in header] != HEADER:
        raise SettlementFileInvalid(f"line 1: the header must be {','.join(HEADER)}")
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not cells:
            continue
        try:
            reference, kind, gross, fee, net, currency, settled = (cell.strip() for cell in cells)
            row = SettlementRow(
                number, reference, kind, int(gross), int(fee), int(net), currency.lower(), date.fromisoformat(settled)
            )
        except ValueError as error:
            raise SettlementFileInvalid(f"line {number}: {error}") from None
        if row.type not in SettlementRecord.Type.values or not row.reference:
            raise SettlementFileInvalid(f"line {number}: type must be charge or refund, with a reference")
        rows.append(row)
    return rows


@dataclass
class ReconcileReport:
    rows: int = 0
    matched: int = 0
    posted: int = 0
    already_settled: int = 0
    entries: list[str] = field(default_factory=list)
    missing_in_ledger: list[dict] = field(default_factory=list)
    missing_in_file: list[dict] = field(default_factory=list)
    amount_mismatches: list[dict] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing_in_ledger or self.missing_in_file or self.amount_mismatches)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "matched": self.matched,
            "posted": self.posted,
            "already_settled": self.already_settled,
            "entries": self.entries,
            "missing_in_ledger": self.missing_in_ledger,
            "missing_in_file": self.missing_in_file,
            "amount_mismatches": self.amount_mismatches,
            "clean": self.clean,
        }


# Each lookup sends its batch of references as one array parameter (`= ANY(%s)`), not as thousands of
# IN-list placeholders that cost more to render and to parse than the query costs to run.
_CHARGES_SQL = f"""
SELECT connector_reference, connector, amount_received, currency FROM {PaymentIntent._meta.db_table}
 WHERE connector_reference = ANY(%(references)s) AND captured_at IS NOT NULL
   AND (%(connector)s::text IS NULL OR connector = %(connector)s)
"""  # noqa: S608 - the table name is a constant; every value is a parameter
_REFUNDS_SQL = f"""
SELECT connector_reference, connector, amount, currency FROM {Refund._meta.db_table}
 WHERE connector_reference = ANY(%(references)s) AND status = %(succeeded)s
   AND (%(connector)s::text IS NULL OR connector = %(connector)s)
"""  # noqa: S608 - the table name is a constant; every value is a parameter
_SETTLED_SQL = f"""
SELECT connector, reference, type FROM {SettlementRecord._meta.db_table} WHERE reference = ANY(%s)
"""  # noqa: S608 - the table name is a constant; every value is a parameter


def _ledger_side(rows: list[SettlementRow], connector: str | None) -> dict[tuple[str, str], tuple[str, int, str]]:
    """(type, reference) -> (connector, amount, currency) of our captures and succeeded refunds: 2 queries."""
    found: dict[tuple[str, str], tuple[str, int, str]] = {}
    charges = [row.reference for row in rows if row.type == "charge"]
    refunds = [row.reference for row in rows if row.type == "refund"]
    with client_binding_cursor() as cursor:  # thousands of references: planned with them (payments_platform.db)
        if charges:
            cursor.execute(_CHARGES_SQL, {"references": charges, "connector": connector or None})
            for reference, name, amount, currency in cursor.fetchall():
                found["charge", reference] = (name, amount, currency)
        if refunds:
            cursor.execute(
                _REFUNDS_SQL,
                {"references": refunds, "connector": connector or None, "succeeded": Refund.Status.SUCCEEDED},
            )
            for reference, name, amount, currency in cursor.fetchall():
                found["refund", reference] = (name, amount, currency)
    return found


def _expected_net(row: SettlementRow) -> int:
    return row.gross - row.fee if row.type == "charge" else row.gross + row.fee


_RECORDS_INSERT_SQL = f"""
INSERT INTO {SettlementRecord._meta.db_table}
    (connector, reference, type, gross, fee, net, currency, settled_date, entry_id, created)
SELECT connector, reference, type, gross, fee, net, currency, settled_date, entry_id, now()
  FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[], %s::bigint[], %s::bigint[], %s::text[],
              %s::date[], %s::bigint[]) AS row (connector, reference, type, gross, fee, net, currency, settled_date,
                                                entry_id)
"""  # noqa: S608 - the table name is a constant; every value is a parameter


def _records_insert(records: list[tuple[str, SettlementRow, int]]) -> None:
    """One `SettlementRecord` per (connector, row, entry id), in one statement (no model instances)."""
    if not records:
        return
    columns = [
        [name for name, _, _ in records],
        [row.reference for _, row, _ in records],
        [row.type for _, row, _ in records],
        [row.gross for _, row, _ in records],
        [row.fee for _, row, _ in records],
        [row.net for _, row, _ in records],
        [row.currency for _, row, _ in records],
        [row.settled_date for _, row, _ in records],
        [entry_id for _, _, entry_id in records],
    ]
    with connection.cursor() as cursor:
        cursor.execute(_RECORDS_INSERT_SQL, columns)


def _post_batch(matched: list[tuple[str, SettlementRow]]) -> tuple[int, int, list[str]]:
    """Post the not-yet-settled rows of one batch: one entry per (connector, currency). Returns
    (posted, already settled, entry ids). Serialised per database by an advisory lock."""
    with transaction.atomic():
        with client_binding_cursor() as cursor:  # planned with the batch's references (payments_platform.db)
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('payments.reconcile_settlement'))")
            cursor.execute(_SETTLED_SQL, [list({row.reference for _, row in matched})])
            done = set(cursor.fetchall())
        fresh = [(name, row) for name, row in matched if (name, row.reference, row.type) not in done]
        groups: dict[tuple[str, str], list[SettlementRow]] = defaultdict(list)
        for name, row in fresh:
            groups[name, row.currency].append(row)
        entries, records = [], []
        for (name, currency), group in groups.items():
            cash = sum(row.net if row.type == "charge" else -row.net for row in group)
            fees = sum(row.fee for row in group)
            receivable = sum(-row.gross if row.type == "charge" else row.gross for row in group)
            accounts = [
                (system_account(purpose="platform_cash", currency=currency), cash),
                (system_account(purpose="processor_fees", currency=currency), fees),
                # One entry settles many intents' rows: it moves shard 0 of the receivable (an asset that
                # may go negative); the shards' sum is what the connector owes.
                (receivable_account(connector=name, currency=currency), receivable),
            ]
            lines = [Line(account=account, amount=amount) for account, amount in accounts if amount]
            if len(lines) < 2:
                continue
            entry = post_entry(
                lines=lines,
                kind=JournalEntry.Kind.SETTLEMENT,
                description=f"Settlement from {name}: {len(group)} rows ({currency.upper()})",
                metadata={"connector": name, "rows": str(len(group))},
            )
            entries.append(entry.public_id)
            records.extend((name, row, entry.pk) for row in group)
        _records_insert(records)
    return len(records), len(matched) - len(fresh), entries


def settlement_reconcile(
    *, rows: list[SettlementRow], connector: str | None = None, progress: Callable[[int, int], None] | None = None
) -> ReconcileReport:
    """Match settlement rows to our captures and refunds (by connector reference and type), post
    settlement entries for the matched rows not yet settled, and report every difference:
    missing in the ledger, missing in the file (our captures/refunds of the file's days and
    connectors that it lacks) and amount mismatches (gross, currency, or a net that is not
    gross -/+ fee). Safe to run twice: the second run posts nothing."""
    report = ReconcileReport(rows=len(rows))
    seen: set[tuple[str, str]] = set()
    scope: set[tuple[str, date]] = set()
    ledger = _ledger_side(rows, connector)
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        matched = []
        for row in batch:
            seen.add((row.type, row.reference))
            ours = ledger.get((row.type, row.reference))
            if ours is None:
                report.missing_in_ledger.append(
                    {"line": row.line, "reference": row.reference, "type": row.type, "gross": row.gross}
                )
                continue
            name, amount, currency = ours
            scope.add((name, row.settled_date))
            if amount != row.gross or currency != row.currency or row.net != _expected_net(row):
                report.amount_mismatches.append(
                    {
                        "line": row.line,
                        "reference": row.reference,
                        "type": row.type,
                        "file_gross": row.gross,
                        "ledger_gross": amount,
                        "file_currency": row.currency,
                        "ledger_currency": currency,
                        "net": row.net,
                        "fee": row.fee,
                    }
                )
                continue
            matched.append((name, row))
        report.matched += len(matched)
        if matched:
            posted, already, entries = _post_batch(matched)
            report.posted += posted
            report.already_settled += already
            report.entries.extend(entries)
        if progress:
            progress(min(start + BATCH_SIZE, len(rows)), len(rows))
    if connector:
        scope |= {(connector, row.settled_date) for row in rows}
    report.missing_in_file = _missing_in_file(scope, seen)
    return report


def _missing_in_file(scope: set[tuple[str, date]], seen: set[tuple[str, str]]) -> list[dict]:
    """Our captures and succeeded refunds on the file's (connector, day)s that the file does not list."""
    missing = []
    for name, day in sorted(scope):
        captured = PaymentIntent.objects.filter(connector=name, captured_at__date=day).values_list(
            "connector_reference", "public_id", "amount_received"
        )
        for reference, public_id, amount in captured.iterator():
            if ("charge", reference) not in seen:
                missing.append({"type": "charge", "reference": reference, "object": public_id, "gross": amount})
        refunded = Refund.objects.filter(connector=name, status=Refund.Status.SUCCEEDED, created__date=day).values_list(
            "connector_reference", "public_id", "amount"
        )
        for reference, public_id, amount in refunded.iterator():
            if ("refund", reference) not in seen:
                missing.append({"type": "refund", "reference": reference, "object": public_id, "gross": amount})
    return missing


def settlement_file_open(path: str) -> io.TextIOBase:
    return open(path, newline="", encoding="utf-8")
