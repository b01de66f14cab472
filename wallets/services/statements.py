"""The one way a wallet's money moves: `wallet_post_entry`, and the wallet's owed account.

Money moves only through `ledger.services.post_entry`, called here by `wallet_post_entry`, which
also writes the wallet's statement lines (balance transactions) in the same transaction. Other
apps (payments: top-ups, payments, refunds, fees, disputes) call `wallet_post_entry` too.

Sign convention: a wallet's accounts are ledger liabilities (credit-normal). Crediting a wallet
raises its balance; a `WalletLine` states amounts from the wallet's view (+ in, - out) so callers
need not think in debits and credits.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from ledger.api import Account, JournalEntry, Line, LockedBalance, account_create, credit, debit, post_entry
from payments_platform.api.errors import ParameterInvalid
from wallets.models import BalanceTransaction, Wallet


@dataclass(frozen=True)
class WalletLine:
    """A line on a wallet's available account, from the wallet's view: + money in, - money out.

    It becomes one ledger line (a credit for money in, a debit for money out) and one
    `BalanceTransaction` of `type` whose `source` is the id of what caused it (tr_…, pi_…);
    `source=None` means the journal entry's own id (je_…), for entries with no other object.
    """

    wallet: Wallet
    amount: int
    type: str
    source: str | None
    description: str = ""


def _ledger_line(line: WalletLine) -> Line:
    if isinstance(line.amount, bool) or not isinstance(line.amount, int) or line.amount == 0:
        raise ParameterInvalid("A wallet line's amount must be a non-zero integer.", param="amount")
    if line.type not in BalanceTransaction.Type.values:
        raise ParameterInvalid(f"Unknown balance transaction type {line.type!r}.", param="type")
    account = line.wallet.available_account_id
    return credit(account, line.amount) if line.amount > 0 else debit(account, -line.amount)


def wallet_post_entry(
    *,
    wallet_lines: Sequence[WalletLine],
    lines: Sequence[Line] = (),
    kind: str,
    description: str = "",
    reference: str | None = None,
    metadata: dict | None = None,
    created_by=None,
    request_id: str = "",
    reverses: JournalEntry | None = None,
) -> tuple[JournalEntry, list[BalanceTransaction]]:
    """Post one journal entry made of `wallet_lines` plus the other `lines`, and write one
    `BalanceTransaction` per wallet line, atomically. Returns the entry and those rows.

    Guarantees: everything `post_entry` guarantees (balanced, account rows locked in primary-key
    order, `InsufficientFunds` rather than an overdrawn wallet, nothing written on error); each
    balance transaction's `amount` and `balance_after` are its posting's, taken under the
    account's lock, so a statement is exact under any concurrency.

    Dispute debt is repaid first: for each wallet whose lines bring money in (net), the same
    post_entry locks its owed account too (`wallet:<id>:owed`, when it exists) and, when it
    holds a debt, adds `debit available / credit owed` for min(debt, incoming), with a statement
    line of type `dispute` ("Dispute debt repaid", source the owed account's acct_ id). So the debt is repaid in the
    same entry and transaction as the money, and what the caller sees as available is what is left.
    The returned rows are the caller's lines, then the repayment lines.

    Inside a caller's transaction it adds no savepoint of its own (post_entry has one: a refused
    entry leaves the caller's transaction usable, so a caller may catch `InsufficientFunds`);
    outside one it opens a transaction, so the entry and its statement lines commit together.
    """
    ledger_lines = [_ledger_line(line) for line in wallet_lines] + list(lines)
    entry_fields = {
        "kind": kind,
        "description": description,
        "reference": reference,
        "metadata": metadata,
        "created_by": created_by,
        "request_id": request_id,
    }
    if reverses is not None:  # the entry undoes `reverses` (at most once: a unique constraint)
        entry_fields["reverses"] = reverses
    if connection.in_atomic_block:
        return _post_with_statement(wallet_lines, ledger_lines, entry_fields)
    with transaction.atomic():
        return _post_with_statement(wallet_lines, ledger_lines, entry_fields)


OWED_REPAYMENT_DESCRIPTION = "Dispute debt repaid"


def owed_account_code(wallet: Wallet) -> str:
    """The code of the wallet's owed (receivable) account: `wallet:<wal_id>:owed`."""
    return f"wallet:{wallet.public_id}:owed"


class _DebtRepayment:
    """The `complete` callback of post_entry: repayment lines for the wallets that receive money."""

    def __init__(self, wallet_lines: Sequence[WalletLine]):
        incoming: dict[int, int] = {}
        self.wallets: dict[int, Wallet] = {}
        for line in wallet_lines:
            incoming[line.wallet.pk] = incoming.get(line.wallet.pk, 0) + line.amount
            self.wallets[line.wallet.pk] = line.wallet
        self.incoming = {pk: amount for pk, amount in incoming.items() if amount > 0}
        self.codes = {owed_account_code(self.wallets[pk]): pk for pk in self.incoming}
        self.repayments: list[WalletLine] = []

    def __call__(self, balances: dict[str, LockedBalance]) -> list[Line]:
        extra: list[Line] = []
        for code, wallet_pk in self.codes.items():
            owed = balances.get(code)
            if owed is None or owed.balance <= 0:
                continue
            wallet = self.wallets[wallet_pk]
            repaid = min(owed.balance, self.incoming[wallet_pk])
            self.repayments.append(
                WalletLine(
                    wallet=wallet,
                    amount=-repaid,
                    type=BalanceTransaction.Type.DISPUTE,
                    source=owed.public_id,  # the debt it repays: the owed account (acct_…)
                    description=OWED_REPAYMENT_DESCRIPTION,
                )
            )
            extra += [debit(wallet.available_account_id, repaid), credit(owed.pk, repaid)]
        return extra


def _post_with_statement(
    wallet_lines: Sequence[WalletLine], ledger_lines: list[Line], entry_fields: dict
) -> tuple[JournalEntry, list[BalanceTransaction]]:
    repayment = _DebtRepayment(wallet_lines)
    if repayment.codes:
        entry = post_entry(lines=ledger_lines, lock_codes=list(repayment.codes), complete=repayment, **entry_fields)
    else:
        entry = post_entry(lines=ledger_lines, **entry_fields)
    description = entry_fields["description"]
    postings = entry.written_postings  # in line order, no query
    # The caller's wallet lines are the first postings; each repayment adds two after all the
    # caller's lines (its debit of the wallet, then its credit of the owed account).
    statement = list(zip(wallet_lines, postings, strict=False))
    statement += [(line, postings[len(ledger_lines) + 2 * index]) for index, line in enumerate(repayment.repayments)]
    balance_transactions = [
        BalanceTransaction(
            wallet=line.wallet,
            posting=posting,
            amount=-posting.amount,  # credit-normal: a credit (negative posting) is money in
            currency=posting.currency,
            type=line.type,
            description=line.description or description,
            source=line.source or entry.public_id,
            balance_after=posting.balance_after,
            created=entry.created,
        )
        for line, posting in statement
    ]
    BalanceTransaction.objects.bulk_create(balance_transactions)
    return entry, balance_transactions


def wallet_owed_account(*, wallet: Wallet) -> Account:
    """The wallet's owed account (asset `wallet:<id>:owed`, non-overdraft), created on first use
    and linked to the wallet. Must run OUTSIDE the transaction that posts a debt to it: once it
    is committed, every later money-in entry of the wallet locks it and sees the debt (see
    `wallet_post_entry`). Concurrent first uses agree on one row (unique code)."""
    if wallet.owed_account_id is not None:
        return wallet.owed_account
    code = owed_account_code(wallet)
    with transaction.atomic():
        account = Account.objects.filter(code=code).first()
        if account is None:
            try:
                account = account_create(
                    code=code,
                    name=f"Owed by the owner of wallet {wallet.public_id}",
                    type=Account.Type.ASSET,
                    currency=wallet.currency,
                    allow_negative=False,
                )
            except ParameterInvalid:  # created concurrently
                account = Account.objects.get(code=code)
        Wallet.objects.filter(pk=wallet.pk, owed_account__isnull=True).update(owed_account=account)
    wallet.owed_account = account
    return account
