"""The OpenAPI document and Swagger UI."""

import pytest


@pytest.fixture
def schema(api_client) -> dict:
    response = api_client.get("/v1/schema")
    assert response.status_code == 200
    return response.json()


def test_schema_is_served_as_openapi_3_json_without_auth(api_client):
    response = api_client.get("/v1/schema")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/")
    assert "json" in response["Content-Type"]
    assert response.json()["openapi"].startswith("3.")


def test_schema_is_also_available_as_yaml(api_client):
    response = api_client.get("/v1/schema", {"format": "yaml"})

    assert response.status_code == 200
    assert response.content.startswith(b"openapi: ")


def test_swagger_ui_is_served(api_client):
    response = api_client.get("/v1/docs")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert b"/v1/schema" in response.content


def test_schema_documents_the_foundation_endpoints(schema):
    paths = schema["paths"]

    for path in ["/health", "/ready", "/v1/auth/register", "/v1/auth/token", "/v1/auth/token/refresh"]:
        assert path in paths
    assert "/v1/auth/logout" in paths
    assert "/v1/me" in paths


def test_schema_wraps_success_responses_in_the_envelope(schema):
    created = schema["paths"]["/v1/auth/register"]["post"]["responses"]["201"]["content"]["application/json"]

    envelope = created["schema"]
    assert set(envelope["required"]) == {"object", "success", "data", "error", "trace_id"}
    assert envelope["properties"]["data"] == {"$ref": "#/components/schemas/UserOutput"}


def test_schema_documents_the_error_object_on_every_operation(schema):
    assert schema["components"]["schemas"]["Error"]["required"] == ["type", "code", "message", "param"]
    for operations in schema["paths"].values():
        for operation in operations.values():
            error_statuses = [status for status in operation["responses"] if status.startswith(("4", "5"))]
            assert error_statuses
            for status in error_statuses:
                ref = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/ErrorEnvelope"


def test_schema_documents_the_idempotency_key_header_on_authenticated_posts(schema):
    logout = schema["paths"]["/v1/auth/logout"]["post"]

    assert any(p["name"] == "Idempotency-Key" for p in logout.get("parameters", []))


def test_schema_marks_public_auth_routes_as_needing_no_token(schema):
    assert schema["paths"]["/v1/auth/token"]["post"]["security"] == []
    assert "401" not in schema["paths"]["/v1/auth/register"]["post"]["responses"]
    assert "401" in schema["paths"]["/v1/auth/token"]["post"]["responses"]  # wrong credentials
    assert "401" in schema["paths"]["/v1/me"]["get"]["responses"]


def test_user_object_type_is_documented_as_a_constant(schema):
    user = schema["components"]["schemas"]["UserOutput"]

    assert user["properties"]["object"]["const"] == "user"


def test_swagger_ui_loads_its_assets_from_our_own_static_files(api_client):
    response = api_client.get("/v1/docs")

    html = response.content.decode()
    assert response.status_code == 200
    assert "swagger-ui-dist" in html
    assert "cdn.jsdelivr.net" not in html
