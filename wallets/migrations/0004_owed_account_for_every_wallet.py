"""Every wallet gets its owed account (`wallet:<id>:owed`) now, not at its first dispute.

A money-in entry locks the owed account by code; one created while such an entry's lock
statement was waiting was not seen by it, so the money stayed beside the new debt instead of
repaying it. New wallets get the account in wallet_create; this creates it for the others.
Reversing leaves the accounts (empty, and harmless to the code before this migration).
"""

import django.db.models.deletion
from django.db import migrations, models


def owed_accounts_create(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    Wallet = apps.get_model("wallets", "Wallet")
    for wallet in Wallet.objects.filter(owed_account__isnull=True).iterator():
        code = f"wallet:{wallet.public_id}:owed"
        account = Account.objects.filter(code=code).first() or Account.objects.create(
            code=code,
            name=f"Owed by the owner of wallet {wallet.public_id}",
            type="asset",
            currency=wallet.currency,
            allow_negative=False,
        )
        Wallet.objects.filter(pk=wallet.pk).update(owed_account=account)


class Migration(migrations.Migration):
    dependencies = [
        ("wallets", "0003_owed_account"),
        ("ledger", "0005_journal_entry_kind_choices"),
    ]

    operations = [
        migrations.RunPython(owed_accounts_create, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="wallet",
            name="owed_account",
            field=models.OneToOneField(
                blank=True,
                help_text="wallet:<id>:owed, created with the wallet",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.account",
            ),
        ),
    ]
