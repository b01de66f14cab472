"""Applying an operator's edit to a row and describing it for the audit log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models


def row_edit(*, row: models.Model, changes: Mapping[str, Any], fields: Iterable[str]) -> tuple[models.Model, dict]:
    """Lock `row`, set the changed `fields` on it, validate (`full_clean`) and save it.

    Returns the saved row and `{field: {"from": old, "to": new}}` of what differed. Call it in
    a transaction. Raises ValueError for a field outside `fields` (an edit names only what
    operators may change) and django ValidationError for an invalid result.
    """
    allowed = set(fields)
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)}; only {sorted(allowed)}")
    locked = type(row).objects.select_for_update().get(pk=row.pk)
    applied = {}
    for field, new in changes.items():
        old = getattr(locked, field)
        if old != new:
            setattr(locked, field, new)
            applied[field] = {"from": old, "to": new}
    locked.full_clean()
    locked.save()
    return locked, applied
