"""Schemathesis against `GET /v1/schema`: every operation, fuzzed, authenticated as a real user.

A second test walks the links schemathesis infers between operations (create a wallet, then
read it and its transactions; list webhook endpoints, then patch, rotate or delete one), so
ids from real responses reach the detail routes. Checks: no 5xx, every response matches its
documented schema (envelope included), its status code and its content type are documented.
Bounded for CI by `SCHEMATHESIS_MAX_EXAMPLES` (default 5 per operation) and
`SCHEMATHESIS_STATEFUL_EXAMPLES` (default 10 scenarios); the long run is in docs/security.md.

The app is driven through its WSGI entry point (the same stack gunicorn serves), which opens
its own database connections, hence `transaction=True`.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tests.factories import UserFactory
from payments_platform.tests.support import bearer
from payments_platform.wsgi import application

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
STATEFUL_EXAMPLES = int(os.environ.get("SCHEMATHESIS_STATEFUL_EXAMPLES", "10"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
schema = schemathesis.openapi.from_wsgi("/v1/schema", application)


@pytest.fixture
def authorization(settings_for_fuzzing) -> dict[str, str]:
    return {"Authorization": bearer(UserFactory())}


@pytest.fixture
def settings_for_fuzzing(settings):
    """Generated webhook URLs are never fetched; the SSRF rules are tested on their own."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "registration": "10000/hour"},
    }


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case, authorization):
    case.call_and_validate(headers=authorization, checks=CHECKS)


class LinkedOperations(schema.as_state_machine()):
    """Sequences of calls following the inferred links, each response checked like the stateless run."""

    headers: dict[str, str] = {}

    def get_call_kwargs(self, case):
        return {"headers": self.headers}

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        case.validate_response(response, checks=CHECKS, headers=self.headers)


@pytest.mark.django_db(transaction=True)
def test_linked_operations_conform_to_the_schema(authorization):
    LinkedOperations.headers = authorization
    LinkedOperations.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
    )


def _payment_world():
    from payments.tests.factories import CARDS, payment_method
    from wallets.tests.factories import WalletFactory

    user = UserFactory()
    wallet = WalletFactory(user=user, currency="usd")
    return user, wallet, payment_method(user), payment_method(user, CARDS["generic_decline"])


def _checked(client, headers, method: str, path: str, template: str, body: dict, status: int):
    """Call `path`, expect `status`, and check it is documented for `template` and matches its schema."""
    response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    operation = schema[template][method]
    assert str(status) in operation.definition.raw["responses"], f"{status} not documented on {method} {template}"
    operation.validate_response(response)
    return response.get_json()


@pytest.mark.django_db(transaction=True)
def test_payment_errors_fuzzing_cannot_reach_are_documented_and_match_the_schema(settings_for_fuzzing, settings):
    """402 (decline), 503 (no connector) and 502 (connector refused), which random bodies never reach
    (they need the caller's own wallet, card and intent)."""
    from werkzeug.test import Client

    from payments.connectors import connector_get
    from payments.connectors.base import CaptureRequest, VoidRequest
    from payments.models import PaymentIntent

    settings.FRAUD_CHECKS = []  # screening's own 402 is the same error; here the issuer and connectors decide
    user, wallet, visa, declining = _payment_world()
    client, headers = Client(application), {"Authorization": bearer(user)}
    create = {"amount": 5000, "currency": "usd", "wallet": wallet.public_id, "confirm": True}
    intents, intent = "/v1/payment_intents", "/v1/payment_intents/{id}"

    declined = _checked(
        client, headers, "POST", intents, intents, {**create, "payment_method": declining.public_id}, 402
    )
    assert declined["error"]["decline_code"] == "generic_decline"
    pi = declined["error"]["payment_intent"]["id"]
    _checked(client, headers, "POST", f"{intents}/{pi}/confirm", intent + "/confirm", {}, 402)

    settings.PAYMENT_ROUTING = {"*": []}
    _checked(client, headers, "POST", intents, intents, {**create, "payment_method": visa.public_id}, 503)
    _checked(client, headers, "POST", f"{intents}/{pi}/confirm", intent + "/confirm", {}, 503)
    settings.PAYMENT_ROUTING = {"*": [{"connector": "simulator_b"}]}

    manual = {**create, "payment_method": visa.public_id, "capture_method": "manual"}
    for action, refuse in (("capture", "void"), ("cancel", "capture")):
        authorized = _checked(client, headers, "POST", intents, intents, manual, 201)["data"]["id"]
        row = PaymentIntent.objects.get(public_id=authorized)
        connector = connector_get(row.connector)
        if refuse == "void":  # voided behind our back: the capture is refused
            connector.void(VoidRequest(idempotency_key=f"{authorized}:x", reference=row.connector_reference))
        else:  # captured behind our back: the void is refused
            connector.capture(
                CaptureRequest(
                    idempotency_key=f"{authorized}:x", reference=row.connector_reference, amount=5000, currency="usd"
                )
            )
        path = f"{intents}/{authorized}/{action}"
        refused = _checked(client, headers, "POST", path, f"{intent}/{action}", {}, 502)
        assert refused["error"]["code"] == "connector_error"
