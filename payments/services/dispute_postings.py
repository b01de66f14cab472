"""The ledger entries of disputes: the withdrawal (amount + fee, the rest owed) and the reinstatement.

Postings (docs/ledger.md, "Disputes", has the worked example): with A the disputed amount, F the
dispute fee and W what the wallet holds,

- withdrawal (entry kind `dispute_withdrawal`): the processor takes A back from us, credit its
  receivable A; the platform charges F, credit fee revenue F; the wallet pays what it can, debit
  `wallet:available` min(W, A) then min(W - that, F) (statement lines `dispute`); the rest is the
  owner's debt, debit `wallet:owed` (an asset: a receivable from the user). The wallet's account
  never goes below zero.
- reinstatement (kind `dispute_reinstatement`, a won dispute): the reverse of the processor and fee
  lines, with the wallet credited A and F (lines `dispute_reversal`); `wallet_post_entry` repays any
  debt from that credit in the same entry (debit available, credit owed, line `dispute`).
"""

from django.conf import settings

from ledger.api import Account, JournalEntry, credit, debit, system_account
from payments.models import Dispute, PaymentIntent
from payments.services.postings import receivable_account
from wallets.api import BalanceTransaction, WalletLine, wallet_owed_account, wallet_post_entry


def dispute_fee() -> int:
    return int(settings.DISPUTE_FEE)


def _dispute_accounts(*, dispute: Dispute, intent: PaymentIntent) -> tuple[Account, Account]:
    """The receivable and fee revenue shards of the disputed payment (chosen by its intent, as its
    capture's were), so a reinstatement debits the fee shard that the withdrawal credited."""
    receivable = receivable_account(connector=dispute.connector, currency=dispute.currency, shard_key=intent.pk)
    return receivable, system_account(purpose="fees", currency=dispute.currency, shard_key=intent.pk)


def withdrawal_post(*, dispute: Dispute, intent: PaymentIntent, request_id: str = "") -> JournalEntry:
    """Post the withdrawal of `dispute.amount + dispute.fee` and set `amount_withdrawn`, `amount_owed`
    and `balance_transaction_ids` on `dispute` (not saved). Must run in the caller's transaction,
    after `wallet_owed_account` committed the owed account. Locks every account of the entry in
    primary-key order (as post_entry does, so no deadlock) before reading the wallet's balance."""
    wallet = intent.wallet
    owed = wallet_owed_account(wallet=wallet)
    receivable, fees = _dispute_accounts(dispute=dispute, intent=intent)
    pks = sorted({wallet.available_account_id, owed.pk, receivable.pk, fees.pk})
    balances = dict(Account.objects.filter(pk__in=pks).order_by("pk").select_for_update().values_list("pk", "balance"))
    available = balances[wallet.available_account_id]
    from_amount = min(available, dispute.amount)
    from_fee = min(available - from_amount, dispute.fee)
    owed_amount = dispute.amount + dispute.fee - from_amount - from_fee

    wallet_lines = _dispute_wallet_lines(
        dispute=dispute,
        wallet=wallet,
        line_type=BalanceTransaction.Type.DISPUTE,
        parts=[
            (-from_amount, f"Dispute {dispute.public_id} of {intent.public_id}"),
            (-from_fee, f"Dispute fee for {dispute.public_id}"),
        ],
    )
    lines = [credit(receivable, dispute.amount)]
    if dispute.fee:
        lines.append(credit(fees, dispute.fee))
    if owed_amount:
        lines.append(debit(owed, owed_amount))
    entry, balance_transactions = wallet_post_entry(
        wallet_lines=wallet_lines,
        lines=lines,
        kind=JournalEntry.Kind.DISPUTE_WITHDRAWAL,
        description=f"Dispute {dispute.public_id} of {intent.public_id}",
        reference=dispute.public_id,
        metadata={
            "dispute": dispute.public_id,
            "payment_intent": intent.public_id,
            "fee": str(dispute.fee),
            "owed": str(owed_amount),
        },
        created_by=None,
        request_id=request_id,
    )
    dispute.amount_withdrawn = from_amount + from_fee
    dispute.amount_owed = owed_amount
    dispute.balance_transaction_ids = [line.public_id for line in balance_transactions]
    return entry


def reinstatement_post(*, dispute: Dispute, intent: PaymentIntent, request_id: str = "") -> JournalEntry:
    """A won dispute: give back the amount and the fee (lines `dispute_reversal`), repaying any debt
    first (wallet_post_entry). Appends the statement lines' ids to `dispute.balance_transaction_ids`."""
    wallet_lines = _dispute_wallet_lines(
        dispute=dispute,
        wallet=intent.wallet,
        line_type=BalanceTransaction.Type.DISPUTE_REVERSAL,
        parts=[
            (dispute.amount, f"Dispute {dispute.public_id} won: amount reinstated"),
            (dispute.fee, f"Dispute {dispute.public_id} won: fee reinstated"),
        ],
    )
    receivable, fees = _dispute_accounts(dispute=dispute, intent=intent)
    lines = [debit(receivable, dispute.amount)]
    if dispute.fee:
        lines.append(debit(fees, dispute.fee))
    entry, balance_transactions = wallet_post_entry(
        wallet_lines=wallet_lines,
        lines=lines,
        kind=JournalEntry.Kind.DISPUTE_REINSTATEMENT,
        description=f"Dispute {dispute.public_id} won",
        reference=dispute.public_id,
        metadata={"dispute": dispute.public_id, "payment_intent": intent.public_id, "fee": str(dispute.fee)},
        created_by=None,
        request_id=request_id,
    )
    dispute.balance_transaction_ids = [*dispute.balance_transaction_ids, *(t.public_id for t in balance_transactions)]
    return entry


def _dispute_wallet_lines(*, dispute: Dispute, wallet, line_type: str, parts: list[tuple[int, str]]) -> list:
    """The dispute's statement lines of `line_type`, one per (amount, description) that is not zero."""
    return [
        WalletLine(wallet=wallet, amount=amount, type=line_type, source=dispute.public_id, description=description)
        for amount, description in parts
        if amount
    ]
