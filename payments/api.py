"""What other apps may import from payments: its public surface (docs/architecture.md)."""

from payments.models import PaymentIntent, Refund

__all__ = [
    "PaymentIntent",
    "Refund",
]
