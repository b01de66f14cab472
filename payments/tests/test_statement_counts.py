"""The statements one request of each money-moving operation runs, pinned (before issue 14: create 10,
confirm 37, create with confirm 44, capture 31, refund 18; a fresh test each, fraud caches cold).

A confirm reads its intent once before its lock and once under it, and each response reuses the
intent the service returned; a count above these means a step is taken twice again.
"""

import pytest

from payments.tests.support import create_intent

pytestmark = pytest.mark.django_db


@pytest.fixture
def authorized(auth_client, wallet, visa) -> str:
    """An intent authorized for manual capture."""
    return create_intent(auth_client, wallet, visa, confirm=True, capture_method="manual").json()["data"]["id"]


def test_creating_a_payment_intent_runs_at_most_eight_statements(
    auth_client, wallet, visa, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = create_intent(auth_client, wallet, visa)
    assert response.status_code == 201


def test_confirming_a_payment_intent_runs_at_most_thirty_four_statements(
    auth_client, wallet, visa, django_assert_max_num_queries
):
    intent = create_intent(auth_client, wallet, visa).json()["data"]["id"]
    with django_assert_max_num_queries(34):
        response = auth_client.post(f"/v1/payment_intents/{intent}/confirm", {}, format="json")
    assert response.json()["data"]["status"] == "succeeded"


def test_creating_and_confirming_in_one_request_runs_at_most_thirty_nine_statements(
    auth_client, wallet, visa, django_assert_max_num_queries
):
    with django_assert_max_num_queries(39):
        response = create_intent(auth_client, wallet, visa, confirm=True)
    assert response.json()["data"]["status"] == "succeeded"


def test_capturing_a_payment_intent_runs_at_most_thirty_statements(
    auth_client, authorized, django_assert_max_num_queries
):
    with django_assert_max_num_queries(30):
        response = auth_client.post(f"/v1/payment_intents/{authorized}/capture", {}, format="json")
    assert response.json()["data"]["status"] == "succeeded"


def test_refunding_a_payment_runs_at_most_eighteen_statements(auth_client, authorized, django_assert_max_num_queries):
    auth_client.post(f"/v1/payment_intents/{authorized}/capture", {}, format="json")
    with django_assert_max_num_queries(18):
        response = auth_client.post("/v1/refunds", {"payment_intent": authorized, "amount": 100}, format="json")
    assert response.status_code == 201
