"""factory_boy factories of the webhooks context."""

import factory

from accounts.tests.factories import UserFactory
from webhooks import secrets
from webhooks.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    user = factory.SubFactory(UserFactory)
    type = "transfer.created"
    data = factory.LazyFunction(lambda: {"object": {"id": "tr_test", "object": "transfer", "amount": 100}})


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    """An enabled endpoint subscribed to every event; its plain secret is on `.plain_secret`."""

    class Meta:
        model = WebhookEndpoint
        exclude = ["plain_secret"]

    user = factory.SubFactory(UserFactory)
    url = "https://hooks.example.com/receive"
    enabled_events = factory.LazyFunction(lambda: ["*"])
    plain_secret = factory.LazyFunction(secrets.secret_generate)
    sealed_secret = factory.LazyAttribute(lambda endpoint: secrets.seal(endpoint.plain_secret))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        sealed = kwargs["sealed_secret"]
        instance = super()._create(model_class, *args, **kwargs)
        instance.plain_secret = secrets.unseal(sealed)
        return instance


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    event = factory.SubFactory(EventFactory, user=factory.SelfAttribute("..endpoint.user"))


class WebhookAttemptFactory(factory.django.DjangoModelFactory):
    """A failed first attempt (the receiver answered 500) unless told otherwise."""

    class Meta:
        model = WebhookAttempt

    delivery = factory.SubFactory(WebhookDeliveryFactory)
    attempt_number = 1
    status_code = 500
    latency_ms = 12
