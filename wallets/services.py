"""Every write of the wallets context: wallets, their statement lines, transfers and adjustments.

Money moves only through `ledger.services.post_entry`, called here by `wallet_post_entry`, which
also writes the wallet's statement lines (balance transactions) in the same transaction. Other
apps (payments: top-ups, payments, refunds, fees) call `wallet_post_entry` too.

Sign convention: a wallet's accounts are ledger liabilities (credit-normal). Crediting a wallet
raises its balance; a `WalletLine` states amounts from the wallet's view (+ in, - out) so callers
need not think in debits and credits.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.services import audit_log_record
from ledger.currencies import is_supported_currency
from ledger.models import Account, JournalEntry
from ledger.services import Line, account_create, credit, debit, post_entry, system_account
from payments_platform.api.errors import ParameterInvalid
from payments_platform.api.ids import new_public_id
from wallets import bank
from wallets.errors import CurrencyMismatch, TransferSameWallet, WalletExists, WalletMissing
from wallets.models import BalanceTransaction, Payout, Transfer, Wallet
from wallets.serializers import payout_representation, transfer_representation
from webhooks.services import event_record

logger = structlog.get_logger(__name__)


# --- The one way a wallet's money moves ----------------------------------------------


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
) -> tuple[JournalEntry, list[BalanceTransaction]]:
    """Post one journal entry made of `wallet_lines` plus the other `lines`, and write one
    `BalanceTransaction` per wallet line, atomically. Returns the entry and those rows.

    Guarantees: everything `post_entry` guarantees (balanced, account rows locked in primary-key
    order, `InsufficientFunds` rather than an overdrawn wallet, nothing written on error); each
    balance transaction's `amount` and `balance_after` are its posting's, taken under the
    account's lock, so a statement is exact under any concurrency. Cost: post_entry's statements
    plus one bulk INSERT.

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
    if connection.in_atomic_block:
        return _post_with_statement(wallet_lines, ledger_lines, entry_fields)
    with transaction.atomic():
        return _post_with_statement(wallet_lines, ledger_lines, entry_fields)


def _post_with_statement(
    wallet_lines: Sequence[WalletLine], ledger_lines: list[Line], entry_fields: dict
) -> tuple[JournalEntry, list[BalanceTransaction]]:
    entry = post_entry(lines=ledger_lines, **entry_fields)
    description = entry_fields["description"]
    postings = list(entry.postings.all())  # in line order, from post_entry's cache: no query
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
        for line, posting in zip(wallet_lines, postings, strict=False)
    ]
    BalanceTransaction.objects.bulk_create(balance_transactions)
    return entry, balance_transactions


# --- Wallets -----------------------------------------------------------------------


def wallet_create(*, user, currency: str) -> Wallet:
    """Create the user's wallet in `currency` with its two non-overdraft ledger liability accounts
    (`wallet:<id>:available`, `wallet:<id>:pending`), all or nothing.

    Raises `ParameterInvalid` (param "currency") for an unsupported currency and `WalletExists`
    (409) when the user has one in that currency already; concurrent creates are settled by the
    unique (user, currency) constraint, so at most one wins.
    """
    if not is_supported_currency(currency):
        raise ParameterInvalid(f"Unsupported currency {currency!r}.", param="currency")
    if Wallet.objects.filter(user=user, currency=currency).exists():
        raise WalletExists(param="currency")
    wallet_id = new_public_id("wal")
    try:
        with transaction.atomic():
            accounts = {
                part: account_create(
                    code=f"wallet:{wallet_id}:{part}",
                    name=f"Wallet {wallet_id} ({part})",
                    type=Account.Type.LIABILITY,
                    currency=currency,
                    allow_negative=False,
                )
                for part in ("available", "pending")
            }
            wallet = Wallet.objects.create(
                public_id=wallet_id,
                user=user,
                currency=currency,
                available_account=accounts["available"],
                pending_account=accounts["pending"],
            )
    except IntegrityError:
        raise WalletExists(param="currency") from None
    logger.info("wallet_created", wallet=wallet.public_id, currency=currency)
    return wallet


def wallet_adjust(*, wallet: Wallet, amount: int, reason: str, actor=None, request_id: str = "") -> BalanceTransaction:
    """An operator's signed correction of a wallet's available balance, against the
    `adjustments` equity account: + credits the wallet, - debits it.

    Raises `ParameterInvalid` for a zero or out-of-range amount or an empty reason, and
    `InsufficientFunds` when a debit would overdraw the wallet. Writes the entry (kind
    "adjustment"), its balance transaction (type "adjustment", source the entry's je_ id) and an
    audit log line (`wallet.adjusted`) in one transaction.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0 or abs(amount) > settings.MAX_AMOUNT:
        raise ParameterInvalid(
            f"The amount must be a non-zero integer of at most {settings.MAX_AMOUNT} minor units.", param="amount"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ParameterInvalid("A reason is required.", param="reason")
    adjustments = system_account(purpose="adjustments", currency=wallet.currency)
    other = debit(adjustments, amount) if amount > 0 else credit(adjustments, -amount)
    with transaction.atomic():
        entry, (balance_transaction,) = wallet_post_entry(
            wallet_lines=[
                WalletLine(wallet=wallet, amount=amount, type=BalanceTransaction.Type.ADJUSTMENT, source=None)
            ],
            lines=[other],
            kind="adjustment",
            description=f"Adjustment: {reason}"[:500],
            metadata={"wallet": wallet.public_id, "reason": reason[:500]},
            created_by=actor,
            request_id=request_id,
        )
        audit_log_record(
            action="wallet.adjusted",
            actor=actor,
            object_type="wallet",
            object_id=wallet.public_id,
            request_id=request_id,
            details={
                "amount": amount,
                "currency": wallet.currency,
                "reason": reason,
                "entry": entry.public_id,
                "balance_after": balance_transaction.balance_after,
            },
        )
    logger.info("wallet_adjusted", wallet=wallet.public_id, amount=amount, entry=entry.public_id)
    return balance_transaction


# --- Transfers ---------------------------------------------------------------------


def transfer_create(
    *,
    user,
    source_wallet: str,
    destination_wallet: str,
    amount: int,
    description: str = "",
    metadata: dict | None = None,
    request_id: str = "",
) -> Transfer:
    """Move `amount` from one of `user`'s wallets to any wallet of the same currency.

    Raises, before writing anything: `WalletMissing` (404, param "source_wallet") for a source
    that is unknown or not the user's; `WalletMissing` (404, param "destination_wallet") for an
    unknown destination; `TransferSameWallet` and `CurrencyMismatch` (400, param
    "destination_wallet"). Then, in one transaction: a `transfer.created` event for the sender
    and, when another user, one for the recipient; one ledger entry (kind "transfer", reference
    the transfer id) or `InsufficientFunds` (400) with nothing written, events included; one
    balance transaction per wallet (transfer_out, transfer_in); the transfer.

    Cost: one SELECT for both wallets, the ledger's statements, one INSERT for the transfer, one
    bulk INSERT for the statement lines, and the events'.
    """
    wallets = {
        wallet.public_id: wallet
        for wallet in Wallet.objects.select_related("user").filter(public_id__in={source_wallet, destination_wallet})
    }
    source = wallets.get(source_wallet)
    if source is None or source.user_id != user.pk:
        raise WalletMissing(f"No such wallet: {source_wallet!r}.", param="source_wallet")
    destination = wallets.get(destination_wallet)
    if destination is None:
        raise WalletMissing(f"No such wallet: {destination_wallet!r}.", param="destination_wallet")
    if destination.pk == source.pk:
        raise TransferSameWallet(param="destination_wallet")
    if destination.currency != source.currency:
        raise CurrencyMismatch(
            f"The source wallet holds {source.currency} and the destination wallet {destination.currency}.",
            param="destination_wallet",
        )

    transfer = Transfer(
        public_id=new_public_id("tr"),
        source_wallet=source,
        destination_wallet=destination,
        sender=user,
        recipient_id=destination.user_id,
        amount=amount,
        currency=source.currency,
        description=description,
        metadata=metadata or {},
        created=timezone.now(),
    )
    transfer_id = transfer.public_id
    with transaction.atomic():
        # The events go first: they take no account lock, so the wallets' row locks (taken by
        # post_entry) are held for as few statements as possible. A refused entry rolls them back.
        representation = transfer_representation(transfer)
        event_record(user=user, event_type="transfer.created", data_object=representation, request_id=request_id)
        if destination.user_id != user.pk:
            event_record(
                user=destination.user, event_type="transfer.created", data_object=representation, request_id=request_id
            )
        transfer.entry, _ = wallet_post_entry(
            wallet_lines=[
                WalletLine(
                    wallet=source,
                    amount=-amount,
                    type=BalanceTransaction.Type.TRANSFER_OUT,
                    source=transfer_id,
                    description=description or f"Transfer to {destination.public_id}",
                ),
                WalletLine(
                    wallet=destination,
                    amount=amount,
                    type=BalanceTransaction.Type.TRANSFER_IN,
                    source=transfer_id,
                    description=description or f"Transfer from {source.public_id}",
                ),
            ],
            kind="transfer",
            description=description or f"Transfer {transfer_id}",
            reference=transfer_id,
            metadata={"transfer": transfer_id},
            created_by=user,
            request_id=request_id,
        )
        transfer.save(force_insert=True)
    logger.info("transfer_created", transfer=transfer_id, amount=amount, currency=transfer.currency)
    return transfer


# --- Payouts -----------------------------------------------------------------------

# How long the simulated bank takes: `process_payouts` settles a payout once this has passed.
PAYOUT_ARRIVAL_DELAY = timedelta(days=1)


def payout_create(
    *,
    user,
    wallet: str,
    amount: int,
    account_number: str,
    routing_number: str,
    description: str = "",
    metadata: dict | None = None,
    request_id: str = "",
) -> Payout:
    """Withdraw `amount` from one of `user`'s wallets to a bank account.

    Raises `WalletMissing` (404, param "wallet") for a wallet that is unknown or not the user's.
    Then, in one transaction: the instruction goes to the (simulated) bank, the money moves at
    once from the wallet's available balance to "payouts in transit" (entry kind "payout";
    `InsufficientFunds` with nothing written when the wallet cannot cover it), the payout is
    written `pending` with only the account number's last four digits, with a balance
    transaction (type "payout") and a `payout.created` event.

    The account number is never stored or logged. The simulator is a pure function, so asking
    it inside the transaction has no outside effect; a real bank connector would be called
    after commit, from an outbox.
    """
    owned = Wallet.objects.filter(public_id=wallet, user=user).first()
    if owned is None:
        raise WalletMissing(f"No such wallet: {wallet!r}.", param="wallet")
    in_transit = system_account(purpose="payouts_in_transit", currency=owned.currency)
    payout_id = new_public_id("po")
    with transaction.atomic():
        entry, _ = wallet_post_entry(
            wallet_lines=[
                WalletLine(
                    wallet=owned,
                    amount=-amount,
                    type=BalanceTransaction.Type.PAYOUT,
                    source=payout_id,
                    description=description or f"Payout to bank account ending {account_number[-4:]}",
                )
            ],
            lines=[credit(in_transit, amount)],
            kind="payout",
            description=description or f"Payout {payout_id}",
            reference=payout_id,
            metadata={"payout": payout_id},
            created_by=user,
            request_id=request_id,
        )
        bank_reference = bank.payout_submit(
            account_number=account_number, routing_number=routing_number, amount=amount, currency=owned.currency
        )
        payout = Payout.objects.create(
            public_id=payout_id,
            wallet=owned,
            user=user,
            amount=amount,
            currency=owned.currency,
            account_last4=account_number[-4:],
            routing_number=routing_number,
            bank_reference=bank_reference,
            description=description,
            metadata=metadata or {},
            arrival_date=entry.created + PAYOUT_ARRIVAL_DELAY,
            entry=entry,
            created=entry.created,
        )
        event_record(
            user=user, event_type="payout.created", data_object=payout_representation(payout), request_id=request_id
        )
    logger.info("payout_created", payout=payout_id, amount=amount, currency=payout.currency)
    return payout


def _payout_mark_paid(*, payout: Payout, now: datetime) -> None:
    """The bank paid: the money leaves "payouts in transit" for the bank (platform cash falls)."""
    in_transit = system_account(purpose="payouts_in_transit", currency=payout.currency)
    cash = system_account(purpose="platform_cash", currency=payout.currency)
    entry = post_entry(
        lines=[debit(in_transit, payout.amount), credit(cash, payout.amount)],
        kind="payout_paid",
        description=f"Payout {payout.public_id} paid by the bank",
        reference=payout.public_id,
        metadata={"payout": payout.public_id},
    )
    payout.status = Payout.Status.PAID
    payout.settlement_entry = entry
    payout.settled_at = now
    payout.save(update_fields=["status", "settlement_entry", "settled_at"])
    event_record(user=payout.user, event_type="payout.paid", data_object=payout_representation(payout))


def _payout_mark_failed(*, payout: Payout, failure_code: str, failure_message: str, now: datetime) -> None:
    """The bank refused: the money goes back from "payouts in transit" to the wallet."""
    in_transit = system_account(purpose="payouts_in_transit", currency=payout.currency)
    entry, _ = wallet_post_entry(
        wallet_lines=[
            WalletLine(
                wallet=payout.wallet,
                amount=payout.amount,
                type=BalanceTransaction.Type.PAYOUT_REVERSAL,
                source=payout.public_id,
                description=f"Payout failed: {failure_message}",
            )
        ],
        lines=[debit(in_transit, payout.amount)],
        kind="payout_reversal",
        description=f"Payout {payout.public_id} failed ({failure_code})",
        reference=payout.public_id,
        metadata={"payout": payout.public_id, "failure_code": failure_code},
    )
    payout.status = Payout.Status.FAILED
    payout.failure_code = failure_code
    payout.failure_message = failure_message
    payout.settlement_entry = entry
    payout.settled_at = now
    payout.save(update_fields=["status", "failure_code", "failure_message", "settlement_entry", "settled_at"])
    event_record(user=payout.user, event_type="payout.failed", data_object=payout_representation(payout))


def payout_settle_next(*, due_by: datetime | None) -> Payout | None:
    """Claim one pending payout due by `due_by` (any pending one when None), ask the bank how it
    ended, and settle it: `paid` (entry kind "payout_paid") or `failed` (entry kind
    "payout_reversal", money back in the wallet), with its `payout.paid` / `payout.failed` event,
    all in one transaction. Returns the settled payout, or None when nothing is due.

    The payout row is claimed with SELECT ... FOR UPDATE SKIP LOCKED and re-read under that
    lock, so any number of concurrent processors settle each payout exactly once.
    """
    now = timezone.now()
    with transaction.atomic():
        pending = Payout.objects.select_for_update(skip_locked=True, of=("self",)).filter(status=Payout.Status.PENDING)
        if due_by is not None:
            pending = pending.filter(arrival_date__lte=due_by)
        payout = pending.select_related("wallet", "user").order_by("arrival_date", "pk").first()
        if payout is None:
            return None
        try:
            outcome = bank.payout_outcome(payout.bank_reference)
        except bank.UnknownBankReference:
            outcome = bank.PayoutOutcome(
                status=bank.FAILED,
                failure_code="could_not_process",
                failure_message="The bank could not process this payout.",
            )
        if outcome.status == bank.PAID:
            _payout_mark_paid(payout=payout, now=now)
        else:
            _payout_mark_failed(
                payout=payout,
                failure_code=outcome.failure_code or "could_not_process",
                failure_message=outcome.failure_message or "The bank could not process this payout.",
                now=now,
            )
    logger.info("payout_settled", payout=payout.public_id, status=payout.status, failure_code=payout.failure_code)
    return payout
