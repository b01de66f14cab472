"""The OpenAPI document's security and text: both schemes, each once per operation, the scope an API
key needs, nothing on the unauthenticated probes, no description inherited from a base class."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api_client) -> dict:
    return api_client.get("/v1/schema").json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_both_security_schemes_are_declared(schema):
    schemes = schema["components"]["securitySchemes"]

    assert schemes["bearerAuth"]["bearerFormat"] == "JWT"
    assert schemes["apiKeyAuth"]["scheme"] == "bearer"
    assert "sk_live_" in schemes["apiKeyAuth"]["bearerFormat"]


def test_no_operation_lists_a_security_scheme_twice(schema):
    for path, method, operation in operations(schema):
        names = [name for requirement in operation.get("security", []) for name in requirement]
        assert len(names) == len(set(names)), (method, path, names)


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_the_probes_need_no_token(schema, path):
    assert not schema["paths"][path]["get"].get("security")
    assert not schema.get("security")


def test_no_operation_is_described_by_the_base_viewsets_docstring(schema):
    for path, method, operation in operations(schema):
        assert "GenericViewSet" not in operation.get("description", ""), (method, path)


def test_every_operation_an_api_key_may_call_names_its_scope(schema):
    keyed = {
        (method, path): operation["x-required-scope"]
        for path, method, operation in operations(schema)
        if any("apiKeyAuth" in requirement for requirement in operation.get("security", []))
    }

    assert keyed[("get", "/v1/wallets")] == "wallets:read"
    assert keyed[("post", "/v1/transfers")] == "transfers:write"
    assert keyed[("post", "/v1/events/{id}/resend")] == "webhooks:write"
    assert keyed[("get", "/v1/me")] == "any"
    for (method, path), scope in keyed.items():
        requirement = next(r for r in schema["paths"][path][method]["security"] if "apiKeyAuth" in r)
        assert requirement["apiKeyAuth"] == ([] if scope == "any" else [scope]), (method, path)


def test_key_management_and_auth_routes_take_no_api_key(schema):
    for path, method, operation in operations(schema):
        if path.startswith(("/v1/api_keys", "/v1/auth/")):
            assert not any("apiKeyAuth" in r for r in operation.get("security", [])), (method, path)


def test_register_documents_the_idempotency_key_header(schema):
    parameters = schema["paths"]["/v1/auth/register"]["post"].get("parameters", [])

    assert any(p["name"] == "Idempotency-Key" for p in parameters)


def test_operations_that_take_api_keys_document_the_403_of_a_missing_scope(schema):
    assert "insufficient_scope" in schema["paths"]["/v1/wallets"]["post"]["responses"]["403"]["description"]
    assert "403" in schema["paths"]["/v1/api_keys"]["post"]["responses"]
