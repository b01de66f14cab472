"""A client generated from our OpenAPI document works against the live server, with no hand edits:
register, log in, create an API key, top up a wallet with a test card, transfer, list the
statement, read an event."""

import importlib
import uuid

import pytest

from fraud.tests.support import fresh_fraud_state
from tests.client.generated import PACKAGE, forget_client, generate_client

PASSWORD = "Generated-Client-Passw0rd!"


@pytest.fixture
def client_package(live_server, tmp_path):
    with fresh_fraud_state():
        generate_client(live_server.url, tmp_path)
        yield PACKAGE
    forget_client()


def load(module: str):
    return importlib.import_module(f"{PACKAGE}.{module}")


def sign_up(base_url: str, email: str) -> str:
    """Register and log in with the generated client; the access token."""
    client_module = load("client")
    models = load("models")
    public = client_module.Client(base_url=base_url, raise_on_unexpected_status=True)
    registered = load("api.auth.auth_register").sync(
        client=public,
        body=models.RegisterInputRequest(email=email, password=PASSWORD),
        idempotency_key=str(uuid.uuid4()),
    )
    assert registered.data.email == email
    token = load("api.auth.auth_token").sync(
        client=public, body=models.TokenObtainInputRequest(email=email, password=PASSWORD)
    )
    assert token.data.token_type == "Bearer"
    return token.data.access


@pytest.mark.django_db(transaction=True)
def test_the_generated_client_runs_a_whole_integration(live_server, client_package):
    base_url = live_server.url
    client_module, models = load("client"), load("models")
    access = sign_up(base_url, "integrator@example.com")
    dashboard = client_module.AuthenticatedClient(base_url=base_url, token=access, raise_on_unexpected_status=True)

    key = (
        load("api.api_keys.api_keys_create")
        .sync(
            client=dashboard,
            body=models.ApiKeyCreateInputRequest(
                name="backend",
                scopes=[
                    models.ScopesEnum("wallets:write"),
                    models.ScopesEnum("payments:write"),
                    models.ScopesEnum("transfers:write"),
                    models.ScopesEnum("events:read"),
                ],
            ),
        )
        .data
    )
    assert key.secret.startswith("sk_live_")
    backend = client_module.AuthenticatedClient(base_url=base_url, token=key.secret, raise_on_unexpected_status=True)

    wallet = (
        load("api.wallets.wallets_create")
        .sync(client=backend, body=models.WalletCreateInputRequest(currency="usd"), idempotency_key=str(uuid.uuid4()))
        .data
    )
    card = models.CardInputRequest(number="4242424242424242", exp_month=12, exp_year=2099, cvc="123")
    method = (
        load("api.payments.payment_methods_create")
        .sync(
            client=backend,
            body=models.PaymentMethodCreateInputRequest(
                type_=models.PaymentMethodCreateInputTypeEnum("card"), card=card
            ),
        )
        .data
    )
    intent = (
        load("api.payments.payment_intents_create")
        .sync(
            client=backend,
            body=models.PaymentIntentCreateInputRequest(
                amount=10_000, currency="usd", wallet=wallet.id, payment_method=method.id, confirm=True
            ),
            idempotency_key=str(uuid.uuid4()),
        )
        .data
    )
    assert intent.status == models.PaymentIntentOutputStatusEnum("succeeded")

    recipient_token = sign_up(base_url, "recipient@example.com")
    recipient = client_module.AuthenticatedClient(base_url=base_url, token=recipient_token)
    destination = (
        load("api.wallets.wallets_create")
        .sync(client=recipient, body=models.WalletCreateInputRequest(currency="usd"))
        .data
    )
    transfer = (
        load("api.transfers.transfers_create")
        .sync(
            client=backend,
            body=models.TransferCreateInputRequest(
                source_wallet=wallet.id, destination_wallet=destination.id, amount=1_000
            ),
            idempotency_key=str(uuid.uuid4()),
        )
        .data
    )
    assert transfer.amount == 1_000

    statement = load("api.wallets.wallets_transactions").sync(wallet.id, client=backend, limit=100).data
    assert [line.type_.value for line in statement.data] == ["transfer_out", "fee", "payment"]
    assert statement.data[0].balance_after == statement.data[1].balance_after - 1_000

    events = load("api.events.events_list").sync(client=backend).data
    assert events.data
    event = load("api.events.events_retrieve").sync(events.data[0].id, client=backend).data
    assert event.id == events.data[0].id
    assert event.type_ == "transfer.created"
