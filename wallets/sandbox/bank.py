"""A simulated bank for payouts: submit an instruction now, ask for its outcome later.

A real bank receives the full account number when a payout is submitted and reports the result
days later against its own reference. This simulator does the same: `payout_submit` sees the
account number once (it is never stored or logged by us) and returns an opaque reference;
`payout_outcome(reference)` is the later, read-only status inquiry. The simulator keeps no state
of its own, so the outcome it decided is carried inside the reference it returned.

Test account numbers (any valid routing number):

| account number | outcome |
| --- | --- |
| 000123456789 | paid |
| 000111111116 | failed, `no_account` |
| 000111111113 | failed, `account_closed` |
| any other 4-17 digits | paid |
"""

import secrets
from dataclasses import dataclass

PAID = "paid"
FAILED = "failed"

_FAILURES: dict[str, tuple[str, str]] = {
    "000111111116": ("no_account", "The bank account could not be located."),
    "000111111113": ("account_closed", "The bank account has been closed."),
}
_FAILURE_MESSAGES = dict(_FAILURES.values())
_PREFIX = "sim"


@dataclass(frozen=True)
class PayoutOutcome:
    status: str  # PAID or FAILED
    failure_code: str | None = None
    failure_message: str | None = None


class UnknownBankReference(ValueError):
    """The reference was not issued by this simulator."""


def payout_submit(*, account_number: str, routing_number: str, amount: int, currency: str) -> str:
    """Hand the payout instruction to the bank; return the bank's reference for it."""
    failure = _FAILURES.get(account_number)
    decided = failure[0] if failure else PAID
    return f"{_PREFIX}_{decided}_{secrets.token_hex(8)}"


def payout_outcome(reference: str) -> PayoutOutcome:
    """Ask the bank how the payout with `reference` ended. Read-only: safe to ask twice."""
    prefix, _, rest = reference.partition("_")
    decided, _, _token = rest.rpartition("_")
    if prefix != _PREFIX or not decided:
        raise UnknownBankReference(reference)
    if decided == PAID:
        return PayoutOutcome(status=PAID)
    if decided in _FAILURE_MESSAGES:
        return PayoutOutcome(status=FAILED, failure_code=decided, failure_message=_FAILURE_MESSAGES[decided])
    raise UnknownBankReference(reference)
