"""Create the platform's system accounts for every currency in settings.SUPPORTED_CURRENCIES.

The purposes are copied here (not imported) so this migration keeps meaning what it meant when
it was written. `ledger.services.system_account` creates any that are missing later.
"""

from django.conf import settings
from django.db import migrations

PURPOSES = {
    "processor_receivable": ("asset", True),
    "platform_cash": ("asset", True),
    "fees": ("revenue", False),
    "payouts_in_transit": ("liability", False),
    "adjustments": ("equity", True),
    "processor_fees": ("expense", False),
}


def create_system_accounts(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    from payments_platform.api.ids import new_public_id

    for currency in (code.lower() for code in settings.SUPPORTED_CURRENCIES):
        for purpose, (account_type, allow_negative) in PURPOSES.items():
            Account.objects.get_or_create(
                code=f"platform:{purpose}:{currency}",
                defaults={
                    "public_id": new_public_id("acct"),
                    "name": f"{purpose.replace('_', ' ').capitalize()} ({currency.upper()})",
                    "type": account_type,
                    "currency": currency,
                    "allow_negative": allow_negative,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(create_system_accounts, migrations.RunPython.noop)]
