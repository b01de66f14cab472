"""What other apps may import from backoffice: its public surface (docs/architecture.md)."""

__all__ = []
