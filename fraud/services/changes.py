"""Applying an operator's edit to a row and describing it for the audit log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models


def changes_apply(*, instance: models.Model, changes: Mapping[str, Any], fields: Iterable[str]) -> dict:
    """Set the changed `fields` on `instance`; returns `{field: {"from": old, "to": new}}` of what differed.

    Raises ValueError for a field outside `fields`: an edit names only what operators may change.
    """
    allowed = set(fields)
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)}; only {sorted(allowed)}")
    applied = {}
    for field, new in changes.items():
        old = getattr(instance, field)
        if old != new:
            setattr(instance, field, new)
            applied[field] = {"from": old, "to": new}
    return applied
