"""Storing a trained risk model and choosing the active one."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.api import audit_log_record
from fraud.models import RiskModel
from fraud.pipeline import scoring


def risk_model_store(
    *, version: str, parameters: dict, metrics: dict, trained_on: int, activate: bool = True
) -> RiskModel:
    """Store a trained model as JSON; with `activate`, it becomes the only active model."""
    missing = {"features", "means", "scales", "coefficients", "intercept"} - set(parameters)
    if missing:
        raise ValidationError(f"Model parameters lack {sorted(missing)}")
    with transaction.atomic():
        if activate:
            RiskModel.objects.filter(active=True).update(active=False)
        model = RiskModel.objects.create(
            version=version, parameters=parameters, metrics=metrics, trained_on=trained_on, active=activate
        )
    scoring.risk_model_cache_clear()
    return model


def risk_model_activate(*, model: RiskModel, actor=None) -> RiskModel:
    """Make `model` the active one (e.g. to roll back), audit-logged."""
    with transaction.atomic():
        RiskModel.objects.filter(active=True).exclude(pk=model.pk).update(active=False)
        RiskModel.objects.filter(pk=model.pk).update(active=True)
        audit_log_record(
            action="fraud.risk_model.activated", actor=actor, object_type="risk_model", object_id=model.version
        )
    model.active = True
    scoring.risk_model_cache_clear()
    return model
