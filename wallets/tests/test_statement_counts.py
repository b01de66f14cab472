"""The statements one transfer and one payout request run, pinned at today's counts, in the style of
payments/tests/test_statement_counts.py: a fresh test each with the fraud caches cold, and again
with them warm (the rules and the model are cached per process for a few seconds). A count above
these means a step is taken twice again; docs/performance.md lists every pinned count.

The test's own transaction makes each service's `atomic` a savepoint: two statements more than in
production. test_transfers_api.py holds the transfer's older pins (12 warm, 14 cold) with the
breakdown of its statements.
"""

import pytest

from wallets.tests.test_payouts_api import create
from wallets.tests.test_transfers_api import send

pytestmark = pytest.mark.django_db


def test_a_transfer_runs_at_most_fourteen_statements(
    auth_client, funded_usd_wallet, other_user_wallet, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        response = send(auth_client, funded_usd_wallet, other_user_wallet)
    assert response.status_code == 201


def test_a_transfer_with_warm_fraud_caches_runs_at_most_eleven_statements(
    auth_client, funded_usd_wallet, other_user_wallet, django_assert_max_num_queries
):
    send(auth_client, funded_usd_wallet, other_user_wallet)
    with django_assert_max_num_queries(11):
        response = send(auth_client, funded_usd_wallet, other_user_wallet)
    assert response.status_code == 201


def test_a_payout_runs_at_most_fourteen_statements(auth_client, funded_usd_wallet, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        response = create(auth_client, funded_usd_wallet)
    assert response.status_code == 201


def test_a_payout_with_warm_fraud_caches_runs_at_most_eleven_statements(
    auth_client, funded_usd_wallet, django_assert_max_num_queries
):
    create(auth_client, funded_usd_wallet, 100)
    with django_assert_max_num_queries(11):
        response = create(auth_client, funded_usd_wallet)
    assert response.status_code == 201
