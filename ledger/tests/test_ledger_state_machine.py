"""A hypothesis state machine: random valid and invalid entries and reversals, invariants after each step.

A plain-Python model of the books predicts each outcome (posted, or which error) and each balance.
After every step the stored balances must equal the model, no non-overdraft account may be
negative, and each currency's trial balance must be zero; at the end `reconcile` must be clean.
Each example runs in a savepoint that is rolled back, so examples do not see each other's rows.
"""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from ledger.errors import AlreadyReversed, CurrencyMismatch, InsufficientFunds, InvalidEntry, UnbalancedEntry
from ledger.models import Account, JournalEntry
from ledger.reconciliation import reconcile
from ledger.selectors import trial_balance
from ledger.services import Line, post_entry, reverse_entry
from ledger.tests.factories import AccountFactory

# (type, currency, allow_negative): both normal sides, overdraft and not, two currencies.
ACCOUNT_SPECS = [
    ("asset", "usd", True),
    ("asset", "usd", False),
    ("liability", "usd", False),
    ("liability", "usd", False),
    ("revenue", "usd", False),
    ("equity", "usd", True),
    ("liability", "eur", False),
    ("equity", "eur", True),
]
amounts = st.integers(min_value=1, max_value=5_000)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.accounts: list[Account] = []
        self.expected: dict[int, int] = {}
        self.entries: list[tuple[JournalEntry, list[tuple[int, int]]]] = []
        self.reversed: set[int] = set()

    @initialize()
    def open_accounts(self):
        for account_type, currency, allow_negative in ACCOUNT_SPECS:
            account = AccountFactory(type=account_type, currency=currency, allow_negative=allow_negative)
            self.accounts.append(account)
            self.expected[account.pk] = 0

    def _predict(self, lines: list[tuple[int, int]]) -> type[Exception] | None:
        by_pk = {account.pk: account for account in self.accounts}
        deltas: dict[int, int] = {}
        for pk, amount in lines:
            deltas[pk] = deltas.get(pk, 0) + by_pk[pk].normal_sign * amount
        for pk, delta in deltas.items():
            if not by_pk[pk].allow_negative and self.expected[pk] + delta < 0:
                return InsufficientFunds
        return None

    def _apply(self, lines: list[tuple[int, int]]) -> None:
        by_pk = {account.pk: account for account in self.accounts}
        for pk, amount in lines:
            self.expected[pk] += by_pk[pk].normal_sign * amount

    @rule(data=st.data(), currency=st.sampled_from(["usd", "eur"]))
    def post_a_balanced_entry(self, data, currency):
        pool = [account.pk for account in self.accounts if account.currency == currency]
        count = data.draw(st.integers(min_value=2, max_value=4))
        pks = data.draw(st.lists(st.sampled_from(pool), min_size=count, max_size=count))
        signed = [data.draw(amounts) * data.draw(st.sampled_from([1, -1])) for _ in pks[:-1]]
        last = -sum(signed)
        if last == 0:
            signed[0] += 1
            last = -sum(signed)
        lines = [*zip(pks, [*signed, last], strict=True)]
        if any(amount == 0 for _, amount in lines):
            return
        expected_error = self._predict(lines)
        if expected_error is None:
            entry = post_entry(lines=[Line(pk, amount) for pk, amount in lines], kind="test")
            self._apply(lines)
            self.entries.append((entry, lines))
        else:
            with pytest.raises(expected_error):
                post_entry(lines=[Line(pk, amount) for pk, amount in lines], kind="test")

    @rule(amount=amounts, kind=st.sampled_from(["unbalanced", "zero", "single", "unknown", "currency"]))
    def post_an_invalid_entry(self, amount, kind):
        usd = [account.pk for account in self.accounts if account.currency == "usd"]
        lines, error = {
            "unbalanced": ([Line(usd[0], amount), Line(usd[1], -amount - 1)], UnbalancedEntry),
            "zero": ([Line(usd[0], amount), Line(usd[1], -amount), Line(usd[2], 0)], InvalidEntry),
            "single": ([Line(usd[0], amount)], InvalidEntry),
            "unknown": ([Line(usd[0], amount), Line(10**12, -amount)], InvalidEntry),
            "currency": ([Line(usd[0], amount, currency="eur"), Line(usd[1], -amount)], CurrencyMismatch),
        }[kind]
        entries_before = JournalEntry.objects.count()
        with pytest.raises(error):
            post_entry(lines=lines, kind="test")
        assert JournalEntry.objects.count() == entries_before

    @rule(data=st.data())
    def reverse_a_posted_entry(self, data):
        if not self.entries:
            return
        entry, lines = data.draw(st.sampled_from(self.entries))
        opposite = [(pk, -amount) for pk, amount in lines]
        if entry.pk in self.reversed:
            with pytest.raises(AlreadyReversed):
                reverse_entry(entry=entry)
            return
        expected_error = self._predict(opposite)
        if expected_error is None:
            reverse_entry(entry=entry)
            self._apply(opposite)
            self.reversed.add(entry.pk)
        else:
            with pytest.raises(expected_error):
                reverse_entry(entry=entry)

    @invariant()
    def stored_balances_equal_the_model(self):
        if self.accounts:
            stored = dict(Account.objects.filter(pk__in=self.expected).values_list("pk", "balance"))
            assert stored == self.expected

    @invariant()
    def no_non_overdraft_account_is_negative(self):
        assert not Account.objects.filter(allow_negative=False, balance__lt=0).exists()

    @invariant()
    def each_currency_balances(self):
        assert all(row["net"] == 0 for row in trial_balance().values())

    def teardown(self):
        try:
            assert all(result.ok for result in reconcile())
        finally:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)


@pytest.mark.django_db
def test_ledger_invariants_hold_for_random_entries():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
