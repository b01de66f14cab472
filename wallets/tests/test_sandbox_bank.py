"""The bank simulator: the documented test account numbers and its references."""

import pytest

from wallets.sandbox import bank


@pytest.mark.parametrize(
    ("account_number", "status", "code"),
    [
        ("000123456789", "paid", None),
        ("000111111116", "failed", "no_account"),
        ("000111111113", "failed", "account_closed"),
        ("1234", "paid", None),
    ],
)
def test_the_outcome_follows_the_test_account_number(account_number, status, code):
    reference = bank.payout_submit(account_number=account_number, routing_number="110000000", amount=1, currency="usd")

    outcome = bank.payout_outcome(reference)

    assert (outcome.status, outcome.failure_code) == (status, code)


def test_a_reference_carries_no_part_of_the_account_number():
    references = {
        bank.payout_submit(account_number="000123456789", routing_number="110000000", amount=1, currency="usd")
        for _ in range(5)
    }

    assert len(references) == 5  # random, not derived from the account
    assert all(reference.startswith("sim_paid_") and "000123456789" not in reference for reference in references)


@pytest.mark.parametrize("reference", ["", "nope", "sim_", "sim_weird_abc", "other_paid_abc"])
def test_an_unknown_reference_is_refused(reference):
    with pytest.raises(bank.UnknownBankReference):
        bank.payout_outcome(reference)
