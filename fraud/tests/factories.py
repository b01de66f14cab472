"""factory_boy factories of the fraud context."""

import datetime as dt

import factory
from django.utils import timezone

from fraud.models import ListEntry, Rule
from fraud.pipeline.context import RiskContext


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rule

    name = factory.Sequence(lambda n: f"rule-{n}")
    expression = "block if :amount_usd: > 100000"
    action = factory.LazyAttribute(lambda rule: rule.expression.split()[0].lower())
    position = 50


class ListEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ListEntry

    kind = ListEntry.Kind.CARD_FINGERPRINT
    list_action = ListEntry.ListAction.BLOCK
    value = factory.Sequence(lambda n: f"fp_{n}")


class RiskContextFactory(factory.Factory):
    """An established account's ordinary card payment from a US IP; give the account as `owner`."""

    class Meta:
        model = RiskContext

    class Params:
        owner = None

    operation = "payment"
    user_id = factory.LazyAttribute(lambda context: context.owner.pk)
    account_created = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=400))
    email = factory.LazyAttribute(lambda context: context.owner.email)
    amount = 2_500
    currency = "usd"
    ip = "192.0.2.10"
    card_fingerprint = "fp_regular"
    card_brand = "visa"
    card_country = "us"
    card_bin = "424242"
    card_last4 = "4242"
