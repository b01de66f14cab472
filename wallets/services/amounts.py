"""The amount check of transfers and payouts: the platform's one `amount_validate`."""

from payments_platform.api.amounts import amount_validate

__all__ = ["amount_validate"]
