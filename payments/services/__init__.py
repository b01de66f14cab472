"""Every write of the payments context, by use case:

- `methods`: tokenizing cards (payment_method_create)
- `intents`: the payment intent lifecycle (create, capture, cancel, expire)
- `confirm`: confirming an intent (fraud screening, routing, fail-over); `attempts`: what each
  authorization's answer does; `connector_calls`: the calls and their idempotency keys;
  `intent_state`: the intent's lock, lookups, events and state changes shared by all of them
- `authentication`: 3-D Secure (the intent waits in requires_action for the hosted page)
- `reviews`: what closing a payment's fraud review does
- `refunds`: refunds (create, execute at the connector, finish)
- `postings`: the ledger entries (capture, refund, refund reversal) and the fee rule
- `sync`: recovery of calls a crash left unfinished (sync_payment_attempts)
- `settlement`: the processor's settlement report and its reconciliation
- `disputes`, `dispute_postings`: disputes opened and ruled by the processor, answered by the owner
"""

from payments.services.confirm import payment_intent_confirm
from payments.services.intents import (
    payment_intent_cancel,
    payment_intent_capture,
    payment_intent_create,
    payment_intents_expire,
)
from payments.services.methods import payment_method_create
from payments.services.postings import platform_fee
from payments.services.refunds import refund_by_operator, refund_create
from payments.services.sync import payments_sync

__all__ = [
    "payment_intent_cancel",
    "payment_intent_capture",
    "payment_intent_confirm",
    "payment_intent_create",
    "payment_intents_expire",
    "payment_method_create",
    "payments_sync",
    "platform_fee",
    "refund_by_operator",
    "refund_create",
]
