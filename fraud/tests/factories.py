"""factory_boy factories of the fraud context."""

import factory

from fraud.models import ListEntry, Rule


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
