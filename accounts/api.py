"""What other apps may import from accounts: its public surface (docs/architecture.md)."""

from accounts.models import User
from accounts.services import audit_log_record
from accounts.views import client_ip

__all__ = [
    "User",
    "audit_log_record",
    "client_ip",
]
