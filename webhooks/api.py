"""What other apps may import from webhooks: its public surface (docs/architecture.md)."""

from webhooks.selectors import delivery_backlog, relay_lag
from webhooks.services import event_record

__all__ = [
    "delivery_backlog",
    "event_record",
    "relay_lag",
]
