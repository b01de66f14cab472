"""Ownership sweep: every object route, as another user, is a 404 and changes nothing.

The routes come from the URL configuration, so a route added later is swept too; a route
whose resource has no builder in `tests/security/builders.py` fails until one is added.
"""

import pytest
from django.apps import apps
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from payments_platform.tests.support import bearer
from tests.security.builders import BUILDERS, World
from tests.security.routes import list_routes, object_routes

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("payments_platform", "accounts", "ledger", "wallets", "payments", "fraud", "webhooks")
# Bodies a careless view might act on if it skipped the ownership check.
BODIES = {
    "post": {"amount_to_capture": 1_000, "payment_method": "pm_x", "cancellation_reason": "requested_by_customer"},
    "patch": {"description": "changed by someone else", "url": "http://127.0.0.1:9/other", "enabled_events": ["*"]},
    "put": {"description": "changed by someone else"},
    "delete": None,
    "get": None,
}


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    return client


@pytest.fixture
def world(settings) -> World:
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    return World(owner=client_for(UserFactory()), bystander=client_for(UserFactory()))


@pytest.fixture
def intruder() -> APIClient:
    return client_for(UserFactory())


def database_snapshot() -> dict[str, list[dict]]:
    """Every row of every model of the project: a request with no effect leaves it equal."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
    }


def sweep_cases():
    return [
        pytest.param(route, method, id=f"{method.upper()} {route.name}")
        for route in object_routes()
        for method in route.methods
    ]


def test_the_sweep_finds_the_object_routes():
    names = {route.name for route in object_routes()}

    assert {"wallet-detail", "transfer-detail", "event-detail", "webhook-endpoint-detail"} <= names


def test_every_object_route_has_a_builder():
    missing = sorted({route.basename for route in object_routes()} - set(BUILDERS))

    assert not missing, f"Add a builder to tests/security/builders.py for: {missing}"


@pytest.mark.parametrize(("route", "method"), sweep_cases())
def test_another_users_object_is_404_and_unchanged(world, intruder, route, method):
    if route.basename not in BUILDERS:
        pytest.fail(f"No builder for {route.basename!r}: add one to tests/security/builders.py")
    public_id = world.get(route.basename)
    path = reverse(route.name, kwargs=dict.fromkeys(route.kwargs, public_id))
    before = database_snapshot()

    response = getattr(intruder, method)(path, BODIES[method], format="json")

    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "resource_missing"
    assert set(response.json()["error"]) <= {"type", "code", "message", "param"}
    assert database_snapshot() == before


@pytest.mark.parametrize(("route", "method"), sweep_cases())
def test_unknown_id_and_another_users_id_get_the_same_answer(world, intruder, route, method):
    """Nothing in status, code or message tells an existing foreign id from a made-up one."""
    public_id = world.get(route.basename)
    made_up = public_id[:-4] + "zzzz"
    foreign = getattr(intruder, method)(
        reverse(route.name, kwargs=dict.fromkeys(route.kwargs, public_id)), BODIES[method], format="json"
    )
    unknown = getattr(intruder, method)(
        reverse(route.name, kwargs=dict.fromkeys(route.kwargs, made_up)), BODIES[method], format="json"
    )

    assert foreign.status_code == unknown.status_code == 404
    # The message may echo the id the client sent (Stripe does); nothing else may differ.
    assert foreign.content.decode().replace(public_id, "ID").replace(foreign.json()["trace_id"], "T") == (
        unknown.content.decode().replace(made_up, "ID").replace(unknown.json()["trace_id"], "T")
    )


@pytest.mark.parametrize("route", [r for r in list_routes() if not r.kwargs], ids=lambda r: r.name)
def test_lists_never_show_another_users_objects(world, intruder, route):
    owned = {world.get(basename) for basename in BUILDERS}

    response = intruder.get(reverse(route.name), {"limit": 100})

    assert response.status_code == 200, response.content
    assert not owned & {item["id"] for item in response.json()["data"]["data"]}
