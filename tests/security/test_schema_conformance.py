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
from conftest import bearer
from payments_platform.wsgi import application

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
STATEFUL_EXAMPLES = int(os.environ.get("SCHEMATHESIS_STATEFUL_EXAMPLES", "10"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
# Payments routes are still being built (issue of the payments app); they join the run when it lands.
EXCLUDED_PATHS = r"^/v1/(payment_methods|payment_intents|refunds)"

schema = schemathesis.openapi.from_wsgi("/v1/schema", application).exclude(path_regex=EXCLUDED_PATHS)


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
