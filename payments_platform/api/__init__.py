"""API plumbing shared by every app: envelope, errors, pagination, idempotency, ids."""
