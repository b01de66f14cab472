"""Operators' views of wallets (balances read from the ledger), statements, transfers and payouts.

All read-only except one money action: "Reverse transfer", on a transfer's page, which first
shows exactly what will move and only then calls `wallets.services.transfer_reverse` (which
writes the entry, the events and the audit log line).
"""

from wallets.admin import payouts, transfers, wallets  # noqa: F401 - registers the model admins
