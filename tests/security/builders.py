"""One builder per API resource: creates an object owned by a user, through the public API.

`BUILDERS` maps a route basename (the part of the URL name before `-detail`, `-cancel`, ...)
to a function `(world) -> public id`. The ownership sweep fails for any `/v1/` route with an
`{id}` whose basename has no builder here, so a new resource cannot ship untested.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from rest_framework.test import APIClient

from wallets.models import Wallet
from wallets.tests.factories import fund

TEST_CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}


@dataclass
class World:
    """User A's client, the objects built so far (memoised by basename), and a bystander's wallet."""

    owner: APIClient
    bystander: APIClient
    built: dict[str, str] = field(default_factory=dict)

    def get(self, basename: str) -> str:
        if basename not in self.built:
            self.built[basename] = BUILDERS[basename](self)
        return self.built[basename]


def _created(response) -> str:
    assert response.status_code in (200, 201), response.content
    return response.json()["data"]["id"]


def wallet(world: World) -> str:
    public_id = _created(world.owner.post("/v1/wallets", {"currency": "usd"}, format="json"))
    fund(Wallet.objects.get(public_id=public_id), 1_000_000)
    return public_id


def transfer(world: World) -> str:
    destination = _created(world.bystander.post("/v1/wallets", {"currency": "usd"}, format="json"))
    body = {"source_wallet": world.get("wallet"), "destination_wallet": destination, "amount": 1_000}
    return _created(world.owner.post("/v1/transfers", body, format="json"))


def payout(world: World) -> str:
    body = {
        "wallet": world.get("wallet"),
        "amount": 1_000,
        "destination": {"account_number": "000123456789", "routing_number": "110000000"},
    }
    return _created(world.owner.post("/v1/payouts", body, format="json"))


def payment_method(world: World) -> str:
    return _created(world.owner.post("/v1/payment_methods", {"type": "card", "card": TEST_CARD}, format="json"))


def payment_intent(world: World) -> str:
    """An intent waiting for confirmation: confirm, capture and cancel would all change it."""
    body = {
        "amount": 5_000,
        "currency": "usd",
        "wallet": world.get("wallet"),
        "payment_method": world.get("payment_method"),
    }
    return _created(world.owner.post("/v1/payment_intents", body, format="json"))


def refund(world: World) -> str:
    body = {
        "amount": 5_000,
        "currency": "usd",
        "wallet": world.get("wallet"),
        "payment_method": world.get("payment_method"),
        "confirm": True,
    }
    intent = _created(world.owner.post("/v1/payment_intents", body, format="json"))
    return _created(world.owner.post("/v1/refunds", {"payment_intent": intent, "amount": 1_000}, format="json"))


def event(world: World) -> str:
    world.get("transfer")
    response = world.owner.get("/v1/events")
    assert response.status_code == 200, response.content
    return response.json()["data"]["data"][0]["id"]


def webhook_endpoint(world: World) -> str:
    body = {"url": "http://127.0.0.1:9/hooks", "enabled_events": ["*"]}
    return _created(world.owner.post("/v1/webhook_endpoints", body, format="json"))


def dispute(world: World) -> str:
    """A dispute the processor opened on the owner's payment by the `fraudulent` dispute test card."""
    from payments.models import PaymentIntent
    from payments.tests.disputes_support import DISPUTE_CARDS, open_dispute

    card = {**TEST_CARD, "number": DISPUTE_CARDS["fraudulent"]}
    method = _created(world.owner.post("/v1/payment_methods", {"type": "card", "card": card}, format="json"))
    body = {
        "amount": 5_000,
        "currency": "usd",
        "wallet": world.get("wallet"),
        "payment_method": method,
        "confirm": True,
    }
    intent = PaymentIntent.objects.get(public_id=_created(world.owner.post("/v1/payment_intents", body, format="json")))
    return open_dispute(APIClient(), intent).public_id


BUILDERS: dict[str, Callable[[World], str]] = {
    "wallet": wallet,
    "transfer": transfer,
    "payout": payout,
    "payment_method": payment_method,
    "payment_intent": payment_intent,
    "refund": refund,
    "event": event,
    "webhook-endpoint": webhook_endpoint,
    "dispute": dispute,
}


def api_key(world: World) -> str:
    return _created(world.owner.post("/v1/api_keys", {"name": "sweep", "scopes": ["*"]}, format="json"))


BUILDERS["api_key"] = api_key
