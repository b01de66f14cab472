"""The allow and block lists: adding, editing and removing entries, each audit-logged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from accounts.api import audit_log_record
from fraud.models import ListEntry, normalize_list_value
from fraud.services.changes import row_edit

EDITABLE_FIELDS = ("kind", "list_action", "value", "reason")


def _audit(entry: ListEntry, action: str, details: dict, *, actor, request_id: str, ip: str | None) -> None:
    audit_log_record(
        action=f"fraud.list_entry.{action}",
        actor=actor,
        object_type="list_entry",
        object_id=str(entry.pk),
        request_id=request_id,
        ip=ip,
        details=details,
    )


def list_entry_add(
    *,
    kind: str,
    list_action: str,
    value: str,
    reason: str = "",
    actor=None,
    request_id: str = "",
    ip: str | None = None,
) -> ListEntry:
    """Put a value on an allow or block list (idempotent: an existing entry is returned), audit-logged."""
    if kind not in ListEntry.Kind.values:
        raise ValueError(f"Unknown list kind {kind!r}; one of {ListEntry.Kind.values}")
    if list_action not in ListEntry.ListAction.values:
        raise ValueError(f"Unknown list action {list_action!r}")
    normalized = normalize_list_value(kind=kind, value=value)
    with transaction.atomic():
        entry, created = ListEntry.objects.get_or_create(
            kind=kind,
            list_action=list_action,
            value=normalized,
            defaults={"reason": reason[:255], "created_by": actor},
        )
        if created:
            details = {"kind": kind, "reason": reason[:255]}
            _audit(entry, list_action, details, actor=actor, request_id=request_id, ip=ip)
    return entry


def blocklist_add(*, list_kind: str, value: str, reason: str = "", actor=None) -> ListEntry:
    """Block a card fingerprint, email, email domain, IP or country (e.g. after a fraudulent refund)."""
    return list_entry_add(
        kind=list_kind, list_action=ListEntry.ListAction.BLOCK, value=value, reason=reason, actor=actor
    )


def allowlist_add(*, list_kind: str, value: str, reason: str = "", actor=None) -> ListEntry:
    return list_entry_add(
        kind=list_kind, list_action=ListEntry.ListAction.ALLOW, value=value, reason=reason, actor=actor
    )


def list_entry_update(
    *, entry: ListEntry, changes: Mapping[str, Any], actor, request_id: str = "", ip: str | None = None
) -> ListEntry:
    """Edit an entry's kind, list, value or reason (the value normalized again), audit-logged with what changed.

    Locks the entry's row; raises django ValidationError for a value its kind refuses.
    """
    with transaction.atomic():
        locked, applied = row_edit(row=entry, changes=changes, fields=EDITABLE_FIELDS)
        if applied:
            _audit(locked, "updated", {"changed": applied}, actor=actor, request_id=request_id, ip=ip)
    return locked


def list_entry_remove(*, entry: ListEntry, actor, request_id: str = "", ip: str | None = None) -> None:
    """Take a value off its list, audit-logged with what it was."""
    with transaction.atomic():
        details = {"kind": entry.kind, "list_action": entry.list_action, "value": entry.value}
        _audit(entry, "removed", details, actor=actor, request_id=request_id, ip=ip)
        entry.delete()
