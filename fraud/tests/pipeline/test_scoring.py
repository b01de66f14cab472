"""The risk model at request time: JSON parameters, plain-Python scoring, the active model."""

import pytest

from fraud.models import RiskModel
from fraud.pipeline import scoring
from fraud.services import assess, risk_model_activate, risk_model_store


def one_feature_model(weight: float, intercept: float = 0.0) -> dict:
    names = scoring.FEATURES
    return {
        "kind": "logistic_regression",
        "features": names,
        "means": [0.0] * len(names),
        "scales": [1.0] * len(names),
        "coefficients": [weight if name == "card_ip_country_mismatch" else 0.0 for name in names],
        "intercept": intercept,
    }


def test_a_model_with_no_evidence_scores_a_probability_of_one_half_as_50():
    assert scoring.score(one_feature_model(0.0), {}) == 50


def test_scores_are_bounded_to_0_99():
    assert scoring.score(one_feature_model(1000.0), {"card_ip_country_mismatch": 1.0}) == 99
    assert scoring.score(one_feature_model(0.0, intercept=-1000.0), {}) == 0


def test_features_read_missing_signals_as_zero():
    features = scoring.features_from_signals({"missing": ["velocity"]})
    assert set(features) == set(scoring.FEATURES)
    assert features["velocity_missing"] == 1.0
    assert features["log_user_attempts_1m"] == 0.0


@pytest.mark.django_db
def test_a_stored_active_model_scores_assessments(make_context):
    risk_model_store(version="test-1", parameters=one_feature_model(10.0, intercept=-5.0), metrics={}, trained_on=0)
    mismatch = assess(context=make_context(card_country="us", ip="198.51.100.1"))
    assert mismatch.signals["model_version"] == "test-1"
    assert mismatch.signals["ml_score"] == 99
    assert assess(context=make_context()).signals["ml_score"] == 0


@pytest.mark.django_db
def test_storing_a_model_leaves_exactly_one_active():
    first = risk_model_store(version="a", parameters=one_feature_model(1.0), metrics={}, trained_on=0)
    risk_model_store(version="b", parameters=one_feature_model(1.0), metrics={}, trained_on=0)
    assert list(RiskModel.objects.filter(active=True).values_list("version", flat=True)) == ["b"]
    risk_model_activate(model=first)
    assert list(RiskModel.objects.filter(active=True).values_list("version", flat=True)) == ["a"]
    assert scoring.risk_model_active()["version"] == "a"
