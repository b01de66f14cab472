"""Opening a wallet, and an operator's adjustment of its balance."""

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.api import audit_log_record
from ledger.api import Account, JournalEntry, account_create, credit, debit, is_supported_currency, system_account
from payments_platform.api.errors import ParameterInvalid
from payments_platform.api.ids import new_public_id
from wallets.errors import WalletExists
from wallets.models import BalanceTransaction, Wallet
from wallets.services.statements import WalletLine, wallet_post_entry

logger = structlog.get_logger(__name__)


def wallet_create(*, user, currency: str) -> Wallet:
    """Create the user's wallet in `currency` with its non-overdraft ledger accounts, all or nothing:
    the liabilities `wallet:<id>:available` and `wallet:<id>:pending`, and the asset
    `wallet:<id>:owed` (what the owner owes after a dispute the wallet could not cover).

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
            # The owed account exists from the start: a money-in entry locks it by code, and a row
            # created later (at a first dispute) could be missed by an entry whose lock statement
            # began before it was committed, leaving money beside a debt.
            accounts["owed"] = account_create(
                code=f"wallet:{wallet_id}:owed",
                name=f"Owed by the owner of wallet {wallet_id}",
                type=Account.Type.ASSET,
                currency=currency,
                allow_negative=False,
            )
            wallet = Wallet.objects.create(
                public_id=wallet_id,
                user=user,
                currency=currency,
                available_account=accounts["available"],
                pending_account=accounts["pending"],
                owed_account=accounts["owed"],
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
            kind=JournalEntry.Kind.ADJUSTMENT,
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
