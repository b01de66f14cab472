"""factory_boy factories of the ledger. Balances are never set here: fund accounts with `post_entry`."""

import factory

from ledger.models import Account


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    code = factory.Sequence(lambda n: f"test:account:{n}")
    name = factory.Sequence(lambda n: f"Test account {n}")
    type = Account.Type.LIABILITY
    currency = "usd"
    allow_negative = False
