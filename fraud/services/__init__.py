"""Every write of the fraud context, and its public interface.

Callers (wallets, payments) use, in order:

1. `assess(context=RiskContext(...))` -> `Assessment` (no writes).
2. `velocity_record(context=..., declined=...)`: count the attempt (Redis; after the decision).
3. `assessment_record(...)`: keep its feature vector in the labeled log (inside their transaction).
4. For `manual_review`: `review_open(...)` inside their transaction; an operator later calls
   `review_close(...)`, which calls the handler the owning app registered with
   `register_review_handler` to release held funds (approve) or refund (reject).

Events: fraud cannot import webhooks (same layer). `review_open` and `review_close` call the
`on_event(review=, event_type=, data=)` the owning app registered for the object type, so every
review event, opened from a request or closed from the admin, takes one path and carries
`review.acting_request_id`. The owning app records it with `webhooks.api.event_record`.

One module per use case: `records` (velocity and the feature log), `lists`, `rules`,
`reviews`, `risk_models`. Every operator change (a rule, a list entry, a review decision,
a model activation) writes the audit log in its transaction.
"""

from fraud.pipeline.assessment import assess
from fraud.pipeline.context import Assessment, OutcomeType, RiskContext, RiskLevel
from fraud.services.lists import allowlist_add, blocklist_add, list_entry_add, list_entry_remove, list_entry_update
from fraud.services.records import assessment_label, assessment_record, velocity_record
from fraud.services.reviews import register_review_handler, review_close, review_open
from fraud.services.risk_models import risk_model_activate, risk_model_store
from fraud.services.rules import rule_create, rule_delete, rule_update

__all__ = [
    "Assessment",
    "OutcomeType",
    "RiskContext",
    "RiskLevel",
    "allowlist_add",
    "assess",
    "assessment_label",
    "assessment_record",
    "blocklist_add",
    "list_entry_add",
    "list_entry_remove",
    "list_entry_update",
    "register_review_handler",
    "review_close",
    "review_open",
    "risk_model_activate",
    "risk_model_store",
    "rule_create",
    "rule_delete",
    "rule_update",
    "velocity_record",
]
