"""The rules operators write: creating, editing and deleting them, each audit-logged.

A rule that does not parse is refused (django ValidationError with the error's position,
from `Rule.clean`). Each write drops this process's cached rules; other processes see it
within FRAUD_RULES_CACHE_SECONDS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from accounts.api import audit_log_record
from fraud.models import Rule
from fraud.pipeline.assessment import rules_cache_clear
from fraud.services.changes import row_edit

EDITABLE_FIELDS = ("name", "expression", "reason", "position", "enabled", "description")


def _audit(rule: Rule, action: str, details: dict, *, actor, request_id: str, ip: str | None) -> None:
    audit_log_record(
        action=f"fraud.rule.{action}",
        actor=actor,
        object_type="rule",
        object_id=rule.name,
        request_id=request_id,
        ip=ip,
        details=details,
    )


def rule_create(
    *,
    name: str,
    expression: str,
    reason: str = "",
    position: int = 100,
    enabled: bool = True,
    description: str = "",
    actor=None,
    request_id: str = "",
    ip: str | None = None,
) -> Rule:
    """Create a rule, audit-logged; raises django ValidationError (with the error's position) if it does not parse."""
    rule = Rule(
        name=name, expression=expression, reason=reason, position=position, enabled=enabled, description=description
    )
    rule.full_clean()
    with transaction.atomic():
        rule.save()
        details = {"expression": rule.expression, "position": rule.position, "enabled": rule.enabled}
        _audit(rule, "created", details, actor=actor, request_id=request_id, ip=ip)
    rules_cache_clear()
    return rule


def rule_update(*, rule: Rule, changes: Mapping[str, Any], actor, request_id: str = "", ip: str | None = None) -> Rule:
    """Edit a rule (its action follows the new expression), audit-logged with what changed.

    Locks the rule's row; raises django ValidationError if the new expression does not parse.
    """
    with transaction.atomic():
        locked, applied = row_edit(row=rule, changes=changes, fields=EDITABLE_FIELDS)
        if applied:
            _audit(locked, "updated", {"changed": applied}, actor=actor, request_id=request_id, ip=ip)
    rules_cache_clear()
    return locked


def rule_delete(*, rule: Rule, actor, request_id: str = "", ip: str | None = None) -> None:
    """Delete a rule, audit-logged with the expression it had."""
    with transaction.atomic():
        details = {"expression": rule.expression, "action": rule.action}
        _audit(rule, "deleted", details, actor=actor, request_id=request_id, ip=ip)
        rule.delete()
    rules_cache_clear()
