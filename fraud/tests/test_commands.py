"""simulate_traffic and train_risk_model, end to end on a small run."""

import io

import pytest
from django.core.management import call_command

from fraud.models import AssessmentRecord, RiskModel


@pytest.mark.django_db
def test_simulate_traffic_writes_a_labeled_feature_log_with_every_planted_pattern():
    out = io.StringIO()
    call_command("simulate_traffic", users=40, days=3, seed=3, stdout=out)
    patterns = {
        object_id.rsplit("_", 1)[-1] for object_id in AssessmentRecord.objects.values_list("object_id", flat=True)
    }
    assert {"legitimate", "testing", "cards", "payout"} <= patterns
    assert AssessmentRecord.objects.filter(label=True).exists()
    assert AssessmentRecord.objects.filter(label=False).exists()
    assert not AssessmentRecord.objects.filter(label=None).exists()
    assert "Labeled feature log written" in out.getvalue()


@pytest.mark.django_db
def test_train_risk_model_stores_an_active_json_model_with_its_metrics():
    pytest.importorskip("sklearn")
    call_command("simulate_traffic", users=120, days=4, seed=5, stdout=io.StringIO())
    out = io.StringIO()
    call_command("train_risk_model", stdout=out)
    model = RiskModel.objects.get(active=True)
    assert set(model.parameters) >= {"features", "means", "scales", "coefficients", "intercept"}
    assert model.metrics["roc_auc"] >= 0.9
    assert {"precision", "recall"} <= set(model.metrics["review"])
    assert "ROC AUC" in out.getvalue()


@pytest.mark.django_db
def test_train_risk_model_refuses_too_little_history():
    from django.core.management.base import CommandError

    pytest.importorskip("sklearn")
    with pytest.raises(CommandError, match="labeled rows"):
        call_command("train_risk_model", stdout=io.StringIO())
