"""Training the risk model on the labeled feature log (needs the optional `ml` group: scikit-learn).

Only this module imports scikit-learn, and only when `train_risk_model` runs; scoring at
request time reads the stored JSON in plain Python (`fraud.pipeline.scoring`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from fraud import conf
from fraud.models import AssessmentRecord
from fraud.pipeline import scoring


@dataclass(frozen=True)
class TrainingResult:
    parameters: dict
    metrics: dict
    rows: int


def labeled_rows() -> tuple[list[dict], list[int]]:
    """Feature vectors and labels (1 fraud, 0 legitimate) of every labeled feature-log row."""
    features, labels = [], []
    rows = AssessmentRecord.objects.filter(~Q(label=None)).values_list("features", "label").order_by("id")
    for vector, label in rows.iterator(chunk_size=5000):
        features.append(vector or {})
        labels.append(1 if label else 0)
    return features, labels


def _threshold_metrics(labels: list[int], scores: list[int], threshold: int) -> dict:
    flagged = [score >= threshold for score in scores]
    true_positives = sum(1 for flag, label in zip(flagged, labels, strict=True) if flag and label)
    flagged_count = sum(flagged)
    positives = sum(labels)
    return {
        "threshold": threshold,
        "precision": round(true_positives / flagged_count, 4) if flagged_count else None,
        "recall": round(true_positives / positives, 4) if positives else None,
        "flagged_share": round(flagged_count / len(labels), 4) if labels else None,
    }


def train(*, features: list[dict], labels: list[int], seed: int = 7, test_size: float = 0.25) -> TrainingResult:
    """Fit a standardised, class-balanced logistic regression; evaluate it on a held-out split
    with the same plain-Python scorer that runs at request time."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    names = scoring.FEATURES
    matrix = [[float(vector.get(name, 0.0)) for name in names] for vector in features]
    x_train, x_test, y_train, y_test, _f_train, f_test = train_test_split(
        matrix, labels, features, test_size=test_size, stratify=labels, random_state=seed
    )
    columns = list(zip(*x_train, strict=True))
    means = [sum(column) / len(column) for column in columns]
    scales = []
    for column, mean in zip(columns, means, strict=True):
        spread = math.sqrt(sum((value - mean) ** 2 for value in column) / len(column))
        scales.append(spread if spread > 1e-9 else 1.0)

    def standardise(rows):
        return [[(value - m) / s for value, m, s in zip(row, means, scales, strict=True)] for row in rows]

    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000)
    model.fit(standardise(x_train), y_train)
    parameters = {
        "kind": "logistic_regression",
        "features": names,
        "means": means,
        "scales": scales,
        "coefficients": [float(weight) for weight in model.coef_[0]],
        "intercept": float(model.intercept_[0]),
    }
    probabilities = model.predict_proba(standardise(x_test))[:, 1]
    plain_scores = [scoring.score(parameters, dict(zip(names, row, strict=True))) for row in x_test]
    builtin_scores = [scoring.score(scoring.BUILTIN_MODEL, vector) for vector in f_test]
    metrics = {
        "roc_auc": round(float(roc_auc_score(y_test, probabilities)), 4),
        "roc_auc_plain_python_scores": round(float(roc_auc_score(y_test, plain_scores)), 4),
        "roc_auc_builtin_model": round(float(roc_auc_score(y_test, builtin_scores)), 4),
        "review": _threshold_metrics(y_test, plain_scores, conf.elevated_risk_score()),
        "block": _threshold_metrics(y_test, plain_scores, conf.highest_risk_score()),
        "train_rows": len(y_train),
        "test_rows": len(y_test),
        "fraud_share": round(sum(labels) / len(labels), 4),
        "seed": seed,
        "trained_at": timezone.now().isoformat(),
    }
    return TrainingResult(parameters=parameters, metrics=metrics, rows=len(labels))
