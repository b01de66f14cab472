"""An operator's signed correction of a wallet's balance, against the adjustments account."""

from django.core.management.base import BaseCommand, CommandError

from ledger.api import InsufficientFunds
from payments_platform.api.errors import ParameterInvalid
from wallets.models import Wallet
from wallets.services import wallet_adjust


class Command(BaseCommand):
    help = (
        "Credit (positive AMOUNT) or debit (negative AMOUNT) a wallet's available balance, in minor units, "
        "against the platform's adjustments account. Refused when it would overdraw the wallet. "
        "Written to the ledger, the wallet's statement and the audit log."
    )

    def add_arguments(self, parser):
        parser.add_argument("wallet_id", help="The wallet's public id (wal_…).")
        parser.add_argument("amount", type=int, help="Signed minor units: 500 adds 5.00 USD, -500 removes it.")
        parser.add_argument("--reason", required=True, help="Why: kept in the ledger entry and the audit log.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, wallet_id: str, amount: int, reason: str, yes: bool, **options):
        wallet = Wallet.objects.select_related("available_account", "user").filter(public_id=wallet_id).first()
        if wallet is None:
            raise CommandError(f"No such wallet: {wallet_id}")
        verb = "Credit" if amount > 0 else "Debit"
        self.stdout.write(
            f"{verb} {abs(amount)} {wallet.currency} {'to' if amount > 0 else 'from'} {wallet.public_id} "
            f"({wallet.user.email}); available balance now {wallet.available_account.balance}. Reason: {reason}"
        )
        if not yes:
            answer = input("Type 'yes' to post this adjustment: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Aborted: nothing was posted.")
        try:
            balance_transaction = wallet_adjust(wallet=wallet, amount=amount, reason=reason)
        except InsufficientFunds:
            raise CommandError(
                f"Refused: the wallet holds {wallet.available_account.balance} {wallet.currency}, "
                f"a debit of {abs(amount)} would overdraw it. Nothing was posted."
            ) from None
        except ParameterInvalid as error:
            raise CommandError(f"Refused: {error.message}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Posted adjustment {balance_transaction.source} ({balance_transaction.public_id}): "
                f"{balance_transaction.amount:+d} {wallet.currency}; available balance now "
                f"{balance_transaction.balance_after}. Audit-logged as wallet.adjusted."
            )
        )
