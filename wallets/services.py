"""Every write of the wallets context: wallets, their statement lines, transfers and adjustments.

Money moves only through `ledger.services.post_entry`, called here by `wallet_post_entry`, which
also writes the wallet's statement lines (balance transactions) in the same transaction. Other
apps (payments: top-ups, payments, refunds, fees) call `wallet_post_entry` too.

Sign convention: a wallet's accounts are ledger liabilities (credit-normal). Crediting a wallet
raises its balance; a `WalletLine` states amounts from the wallet's view (+ in, - out) so callers
need not think in debits and credits.
"""

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.services import audit_log_record
from fraud.errors import BlockedByFraudScreening
from fraud.services import Assessment, RiskContext, assess, assessment_record, review_open, velocity_record
from ledger.currencies import is_supported_currency
from ledger.errors import InsufficientFunds
from ledger.models import Account, JournalEntry
from ledger.services import Line, LockedBalance, account_create, credit, debit, post_entry, system_account
from payments_platform.api.errors import Conflict, ParameterInvalid
from payments_platform.api.ids import new_public_id
from payments_platform.observability import metrics
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
    reverses: JournalEntry | None = None,
) -> tuple[JournalEntry, list[BalanceTransaction]]:
    """Post one journal entry made of `wallet_lines` plus the other `lines`, and write one
    `BalanceTransaction` per wallet line, atomically. Returns the entry and those rows.

    Guarantees: everything `post_entry` guarantees (balanced, account rows locked in primary-key
    order, `InsufficientFunds` rather than an overdrawn wallet, nothing written on error); each
    balance transaction's `amount` and `balance_after` are its posting's, taken under the
    account's lock, so a statement is exact under any concurrency. Cost: post_entry's statements
    plus one bulk INSERT.

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
        entry, (balance_transaction, *_repayments) = wallet_post_entry(
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


# --- Fraud screening ---------------------------------------------------------------


def destination_fingerprint(*, routing_number: str, account_number: str) -> str:
    """A keyed hash (HMAC-SHA256, key derived from SECRET_KEY or PAYOUT_DESTINATION_FINGERPRINT_KEY)
    of a bank destination: equal for equal accounts, useless without the key. Fraud sees only this."""
    key = getattr(settings, "PAYOUT_DESTINATION_FINGERPRINT_KEY", "") or f"payout-destination:{settings.SECRET_KEY}"
    message = f"{routing_number}:{account_number}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:32]


def _risk_context(
    *,
    operation: str,
    user,
    amount: int,
    currency: str,
    ip: str | None,
    destination: str | None = None,
    occurred_at: datetime | None = None,
) -> RiskContext:
    return RiskContext(
        operation=operation,
        user_id=user.pk,
        account_created=user.created,
        email=user.email,
        amount=amount,
        currency=currency,
        ip=ip,
        destination_fingerprint=destination,
        occurred_at=occurred_at,
    )


def _screen(context: RiskContext) -> Assessment:
    """Assess the attempt (no writes). Blocked: count it as declined and raise
    `BlockedByFraudScreening` (400), carrying `context` and `assessment` for in-process callers
    such as the traffic simulator; nothing is written to the database."""
    assessment = assess(context=context)
    if assessment.blocked:
        velocity_record(context=context, declined=True)
        logger.warning(
            "fraud_blocked",
            operation=context.operation,
            user_id=context.user_id,
            risk_score=assessment.risk_score,
            rules=assessment.rules,
        )
        error = BlockedByFraudScreening()
        error.context, error.assessment = context, assessment
        raise error
    return assessment


def _event_recorder(users, request_id: str):
    """An `on_event` for review_open that records the review event for each of `users`."""

    def record(event_type: str, data: dict) -> None:
        for owner in users:
            event_record(user=owner, event_type=event_type, data_object=data, request_id=request_id)

    return record


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
    ip: str | None = None,
    occurred_at: datetime | None = None,
) -> Transfer:
    """Move `amount` from one of `user`'s wallets to any wallet of the same currency.

    Raises, before writing anything: `WalletMissing` (404, param "source_wallet") for a source
    that is unknown or not the user's; `WalletMissing` (404, param "destination_wallet") for an
    unknown destination; `TransferSameWallet` and `CurrencyMismatch` (400, param
    "destination_wallet"). Then fraud screening (`assess`, with the client `ip`): `blocked`
    raises `BlockedByFraudScreening` (400) with nothing written. Then, in one transaction: a
    `transfer.created` event for the sender and, when another user, one for the recipient; the
    assessment's feature-log row; for `manual_review`, a review (`review.opened` for both
    parties); one ledger entry (kind "transfer", reference the transfer id) or
    `InsufficientFunds` (400) with nothing written, events included; the balance transactions;
    the transfer with its `outcome`. The attempt is counted in the velocity windows after the
    decision (declined when refused).

    `manual_review` holds the money: the entry credits the recipient wallet's *pending* account,
    so the recipient's statement gets its `transfer_in` line only when the review is approved
    (entry "review_release"); a rejection returns it to the sender (entry "review_reversal").

    `occurred_at` is for the traffic simulator only: the moment the assessment and velocity see.

    Cost: one SELECT for both wallets, the lists query and one Redis round trip of `assess`
    (rules and model cached), the ledger's statements, one INSERT each for the feature-log row and
    the transfer, one bulk INSERT for the statement lines, and the events'.
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

    context = _risk_context(
        operation="transfer", user=user, amount=amount, currency=source.currency, ip=ip, occurred_at=occurred_at
    )
    try:
        assessment = _screen(context)
    except BlockedByFraudScreening:
        metrics.transfer_counted(outcome="blocked")
        raise
    held = assessment.needs_review
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
        outcome=assessment.as_outcome(),
        funds_held=held,
        created=timezone.now(),
    )
    transfer_id = transfer.public_id
    parties = [user] if destination.user_id == user.pk else [user, destination.user]
    wallet_lines = [
        WalletLine(
            wallet=source,
            amount=-amount,
            type=BalanceTransaction.Type.TRANSFER_OUT,
            source=transfer_id,
            description=description or f"Transfer to {destination.public_id}",
        )
    ]
    other_lines: list[Line] = []
    if held:  # the recipient's money waits in its pending account: no statement line until released
        other_lines.append(credit(destination.pending_account_id, amount))
    else:
        wallet_lines.append(
            WalletLine(
                wallet=destination,
                amount=amount,
                type=BalanceTransaction.Type.TRANSFER_IN,
                source=transfer_id,
                description=description or f"Transfer from {source.public_id}",
            )
        )
    try:
        with transaction.atomic():
            # Everything that takes no account lock goes first, so the wallets' row locks (taken
            # by post_entry) are held for as few statements as possible. A refused entry rolls
            # it all back.
            representation = transfer_representation(transfer)
            for party in parties:
                event_record(
                    user=party, event_type="transfer.created", data_object=representation, request_id=request_id
                )
            assessment_record(context=context, assessment=assessment, object_type="transfer", object_id=transfer_id)
            if held:
                review_open(
                    user=user,
                    object_type="transfer",
                    object_id=transfer_id,
                    assessment=assessment,
                    request_id=request_id,
                    on_event=_event_recorder(parties, request_id),
                )
            transfer.entry, _ = wallet_post_entry(
                wallet_lines=wallet_lines,
                lines=other_lines,
                kind="transfer",
                description=description or f"Transfer {transfer_id}",
                reference=transfer_id,
                metadata={"transfer": transfer_id, **({"held_for_review": True} if held else {})},
                created_by=user,
                request_id=request_id,
            )
            transfer.save(force_insert=True)
            metrics.transfer_counted(outcome=assessment.outcome_type)  # after the commit
    except Exception as error:
        velocity_record(context=context, declined=True)
        if isinstance(error, InsufficientFunds):
            metrics.transfer_counted(outcome="insufficient_funds")
        raise
    velocity_record(context=context, declined=False)
    logger.info(
        "transfer_created",
        transfer=transfer_id,
        amount=amount,
        currency=transfer.currency,
        outcome=assessment.outcome_type,
        risk_score=assessment.risk_score,
    )
    return transfer


def _transfer_for_review(review) -> Transfer:
    return (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("source_wallet", "destination_wallet", "sender", "recipient")
        .get(public_id=review.object_id)
    )


def _transfer_move_held(*, review, to_recipient: bool) -> Transfer:
    """Move a reviewed transfer's held money out of the recipient's pending account: to the
    recipient's available balance (entry "review_release") or back to the sender's (entry
    "review_reversal"), each with a `transfer_in` statement line whose source is the transfer."""
    transfer = _transfer_for_review(review)
    if not transfer.funds_held:
        raise Conflict(f"Transfer {transfer.public_id} holds no funds.", code="transfer_not_held")
    source, destination = transfer.source_wallet, transfer.destination_wallet
    if to_recipient:
        line = WalletLine(
            wallet=destination,
            amount=transfer.amount,
            type=BalanceTransaction.Type.TRANSFER_IN,
            source=transfer.public_id,
            description=transfer.description or f"Transfer from {source.public_id} (released after review)",
        )
        kind, what = "review_release", "released"
    else:
        line = WalletLine(
            wallet=source,
            amount=transfer.amount,
            type=BalanceTransaction.Type.TRANSFER_IN,
            source=transfer.public_id,
            description=f"Transfer {transfer.public_id} to {destination.public_id} returned: rejected by review",
        )
        kind, what = "review_reversal", "returned to the sender"
    wallet_post_entry(
        wallet_lines=[line],
        lines=[debit(destination.pending_account_id, transfer.amount)],
        kind=kind,
        description=f"Transfer {transfer.public_id} {what} (review {review.public_id})",
        reference=transfer.public_id,
        metadata={"transfer": transfer.public_id, "review": review.public_id},
        created_by=review.closed_by,
        request_id=review.acting_request_id,
    )
    transfer.funds_held = False
    if not to_recipient:
        transfer.status = Transfer.Status.REVERSED
    transfer.save(update_fields=["funds_held", "status"])
    logger.info("transfer_review_closed", transfer=transfer.public_id, review=review.public_id, entry_kind=kind)
    return transfer


def transfer_review_approve(review) -> None:
    """Review handler (approve): release the held amount to the recipient's available balance."""
    _transfer_move_held(review=review, to_recipient=True)


def transfer_review_reject(review) -> None:
    """Review handler (reject): return the held amount to the sender's wallet; the transfer is `reversed`."""
    _transfer_move_held(review=review, to_recipient=False)


def transfer_review_event(review, event_type: str, data: dict) -> None:
    """Record a transfer review's `review.opened` / `review.closed` for the sender and the recipient."""
    transfer = Transfer.objects.select_related("sender", "recipient").get(public_id=review.object_id)
    parties = [transfer.sender]
    if transfer.recipient_id != transfer.sender_id:
        parties.append(transfer.recipient)
    _event_recorder(parties, "")(event_type, data)


@dataclass(frozen=True)
class TransferReversalPlan:
    """What reversing a transfer will move: `amount` out of `from_wallet` back into `to_wallet`,
    with each wallet's available balance before and after. Read by the admin's confirmation page."""

    transfer: Transfer
    from_wallet: Wallet
    to_wallet: Wallet
    amount: int
    from_balance: int
    to_balance: int
    refusal: str | None  # why it cannot be reversed, or None

    @property
    def from_balance_after(self) -> int:
        return self.from_balance - self.amount

    @property
    def to_balance_after(self) -> int:
        return self.to_balance + self.amount


def _transfer_refusal(transfer: Transfer, recipient_balance: int) -> str | None:
    if transfer.status == Transfer.Status.REVERSED:
        return f"Transfer {transfer.public_id} is already reversed."
    if transfer.funds_held:
        return f"Transfer {transfer.public_id} is held for a fraud review: reject the review instead."
    if recipient_balance < transfer.amount:
        return (
            f"The recipient wallet {transfer.destination_wallet.public_id} holds {recipient_balance} minor units, "
            f"less than the {transfer.amount} to take back."
        )
    return None


def transfer_reversal_plan(transfer: Transfer) -> TransferReversalPlan:
    """What `transfer_reverse` would move now (no lock, no writes): for the confirmation page."""
    source, destination = transfer.source_wallet, transfer.destination_wallet
    balances = dict(
        Account.objects.filter(pk__in=[source.available_account_id, destination.available_account_id]).values_list(
            "pk", "balance"
        )
    )
    to_balance, from_balance = balances[source.available_account_id], balances[destination.available_account_id]
    return TransferReversalPlan(
        transfer=transfer,
        from_wallet=destination,
        to_wallet=source,
        amount=transfer.amount,
        from_balance=from_balance,
        to_balance=to_balance,
        refusal=_transfer_refusal(transfer, from_balance),
    )


def transfer_reverse(*, transfer: Transfer, actor, reason: str = "", request_id: str = "", ip: str | None = None):
    """An operator reverses a succeeded transfer: the amount goes back from the recipient's wallet
    to the sender's, and every record says so, in one transaction.

    Writes one entry (kind "transfer_reversal", `reverses` the transfer's entry, reference the
    transfer id, the operator's `request_id`), a `transfer_out` statement line on the recipient's
    wallet and a `transfer_in` line on the sender's (both with the transfer as source), sets the
    transfer `reversed`, records `transfer.reversed` for both parties and the audit log line
    `wallet.transfer.reversed` (with `ip`). Raises, with nothing written: `Conflict`
    `transfer_already_reversed` (409) for a reversed transfer, `Conflict` `transfer_held` (409)
    for one held by an open review (close the review instead), `InsufficientFunds` (400) when the
    recipient has spent the money.
    """
    reason = (reason or "").strip()[:400]
    with transaction.atomic():
        locked = (
            Transfer.objects.select_for_update(of=("self",))
            .select_related("source_wallet", "destination_wallet", "sender", "recipient", "entry")
            .get(pk=transfer.pk)
        )
        if locked.status == Transfer.Status.REVERSED:
            raise Conflict(f"Transfer {locked.public_id} is already reversed.", code="transfer_already_reversed")
        if locked.funds_held:
            raise Conflict(
                f"Transfer {locked.public_id} is held for a fraud review: close the review instead.",
                code="transfer_held",
            )
        source, destination = locked.source_wallet, locked.destination_wallet
        why = f" ({reason})" if reason else ""
        entry, _ = wallet_post_entry(
            wallet_lines=[
                WalletLine(
                    wallet=destination,
                    amount=-locked.amount,
                    type=BalanceTransaction.Type.TRANSFER_OUT,
                    source=locked.public_id,
                    description=f"Transfer {locked.public_id} from {source.public_id} reversed{why}"[:500],
                ),
                WalletLine(
                    wallet=source,
                    amount=locked.amount,
                    type=BalanceTransaction.Type.TRANSFER_IN,
                    source=locked.public_id,
                    description=f"Transfer {locked.public_id} to {destination.public_id} reversed{why}"[:500],
                ),
            ],
            kind="transfer_reversal",
            description=f"Reversal of transfer {locked.public_id} by an operator{why}"[:500],
            reference=locked.public_id,
            metadata={"transfer": locked.public_id, "reverses": locked.entry.public_id, "reason": reason},
            created_by=actor,
            request_id=request_id,
            reverses=locked.entry,
        )
        locked.status = Transfer.Status.REVERSED
        locked.save(update_fields=["status"])
        representation = transfer_representation(locked)
        parties = [locked.sender] if locked.recipient_id == locked.sender_id else [locked.sender, locked.recipient]
        for party in parties:
            event_record(user=party, event_type="transfer.reversed", data_object=representation, request_id=request_id)
        audit_log_record(
            action="wallet.transfer.reversed",
            actor=actor,
            object_type="transfer",
            object_id=locked.public_id,
            request_id=request_id,
            ip=ip,
            details={
                "amount": locked.amount,
                "currency": locked.currency,
                "from_wallet": destination.public_id,
                "to_wallet": source.public_id,
                "entry": entry.public_id,
                "reason": reason,
            },
        )
    logger.info("transfer_reversed", transfer=locked.public_id, entry=entry.public_id)
    transfer.status = locked.status
    return locked


# --- Payouts -----------------------------------------------------------------------


def payout_arrival_delay() -> timedelta:
    """PAYOUT_DELAY_SECONDS (default 86400): how long the simulated bank takes; `process_payouts`
    (run by the scheduler) settles a pending payout once its `arrival_date` has passed."""
    return timedelta(seconds=getattr(settings, "PAYOUT_DELAY_SECONDS", 86400))


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
    ip: str | None = None,
    destination: str | None = None,
    occurred_at: datetime | None = None,
) -> Payout:
    """Withdraw `amount` from one of `user`'s wallets to a bank account.

    Raises `WalletMissing` (404, param "wallet") for a wallet that is unknown or not the user's.
    Then fraud screening (`assess` with the client `ip` and the `destination` fingerprint, see
    `destination_fingerprint`; computed here when not given): `blocked` raises
    `BlockedByFraudScreening` (400) with nothing written; `manual_review` writes the payout
    `held_for_review` (process_payouts leaves it alone until the review is approved; a
    rejection fails it with `fraud_review_rejected` and returns the money) and opens a review
    (`review.opened`). Then, in one transaction: the instruction goes to the (simulated) bank, the money moves at
    once from the wallet's available balance to "payouts in transit" (entry kind "payout";
    `InsufficientFunds` with nothing written when the wallet cannot cover it), the payout is
    written `pending` with only the account number's last four digits, with a balance
    transaction (type "payout"), a `payout.created` event and the assessment's feature-log row.

    The account number is never stored or logged. The simulator is a pure function, so asking
    it inside the transaction has no outside effect; a real bank connector would be called
    after commit, from an outbox.
    """
    owned = Wallet.objects.filter(public_id=wallet, user=user).first()
    if owned is None:
        raise WalletMissing(f"No such wallet: {wallet!r}.", param="wallet")
    in_transit = system_account(purpose="payouts_in_transit", currency=owned.currency)
    context = _risk_context(
        operation="payout",
        user=user,
        amount=amount,
        currency=owned.currency,
        ip=ip,
        destination=destination
        or destination_fingerprint(routing_number=routing_number, account_number=account_number),
        occurred_at=occurred_at,
    )
    assessment = _screen(context)
    held = assessment.needs_review
    payout_id = new_public_id("po")
    try:
        payout = _payout_write(
            user=user,
            owned=owned,
            in_transit=in_transit,
            payout_id=payout_id,
            amount=amount,
            account_number=account_number,
            routing_number=routing_number,
            description=description,
            metadata=metadata,
            request_id=request_id,
            context=context,
            assessment=assessment,
        )
    except Exception:
        velocity_record(context=context, declined=True)
        raise
    velocity_record(context=context, declined=False)
    logger.info(
        "payout_created",
        payout=payout_id,
        amount=amount,
        currency=payout.currency,
        outcome=assessment.outcome_type,
        risk_score=assessment.risk_score,
        held_for_review=held,
    )
    return payout


def _payout_write(
    *,
    user,
    owned: Wallet,
    in_transit: Account,
    payout_id: str,
    amount: int,
    account_number: str,
    routing_number: str,
    description: str,
    metadata: dict | None,
    request_id: str,
    context: RiskContext,
    assessment: Assessment,
) -> Payout:
    """payout_create's transaction: feature-log row, review if any, entry, bank submission, payout, event."""
    held = assessment.needs_review
    with transaction.atomic():
        assessment_record(context=context, assessment=assessment, object_type="payout", object_id=payout_id)
        if held:
            review_open(
                user=user,
                object_type="payout",
                object_id=payout_id,
                assessment=assessment,
                request_id=request_id,
                on_event=_event_recorder([user], request_id),
            )
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
            outcome=assessment.as_outcome(),
            held_for_review=held,
            arrival_date=entry.created + payout_arrival_delay(),
            entry=entry,
            created=entry.created,
        )
        event_record(
            user=user, event_type="payout.created", data_object=payout_representation(payout), request_id=request_id
        )
        metrics.payout_counted(status=payout.status)
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
    metrics.payout_counted(status=payout.status)


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
    metrics.payout_counted(status=payout.status)


def payout_settle_next(*, due_by: datetime | None) -> Payout | None:
    """Claim one pending payout due by `due_by` (any pending one when None) that is not held for
    a fraud review, ask the bank how it
    ended, and settle it: `paid` (entry kind "payout_paid") or `failed` (entry kind
    "payout_reversal", money back in the wallet), with its `payout.paid` / `payout.failed` event,
    all in one transaction. Returns the settled payout, or None when nothing is due.

    The payout row is claimed with SELECT ... FOR UPDATE SKIP LOCKED and re-read under that
    lock, so any number of concurrent processors settle each payout exactly once.
    """
    now = timezone.now()
    with transaction.atomic():
        pending = Payout.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            status=Payout.Status.PENDING, held_for_review=False
        )
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


# --- Payout reviews ----------------------------------------------------------------------

FRAUD_REVIEW_REJECTED = "fraud_review_rejected"


def _payout_for_review(review) -> Payout:
    payout = (
        Payout.objects.select_for_update(of=("self",)).select_related("wallet", "user").get(public_id=review.object_id)
    )
    if payout.status != Payout.Status.PENDING or not payout.held_for_review:
        raise Conflict(f"Payout {payout.public_id} is not held for review.", code="payout_not_held")
    return payout


def payout_review_approve(review) -> None:
    """Review handler (approve): lift the hold; process_payouts settles the payout when it is due."""
    payout = _payout_for_review(review)
    payout.held_for_review = False
    payout.save(update_fields=["held_for_review"])
    logger.info("payout_review_approved", payout=payout.public_id, review=review.public_id)


def payout_review_reject(review) -> None:
    """Review handler (reject): fail the payout (`fraud_review_rejected`); the money goes back to
    the wallet (entry "payout_reversal", balance transaction "payout_reversal", `payout.failed`)."""
    payout = _payout_for_review(review)
    payout.held_for_review = False
    payout.save(update_fields=["held_for_review"])
    _payout_mark_failed(
        payout=payout,
        failure_code=FRAUD_REVIEW_REJECTED,
        failure_message="The payout was rejected by fraud review.",
        now=timezone.now(),
    )
    logger.info("payout_review_rejected", payout=payout.public_id, review=review.public_id)


def payout_review_event(review, event_type: str, data: dict) -> None:
    """Record a payout review's `review.opened` / `review.closed` for the payout's owner."""
    _event_recorder([review.user], "")(event_type, data)
