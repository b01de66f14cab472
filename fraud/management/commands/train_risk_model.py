"""Train the risk model on the labeled feature log and store it as JSON (never pickle)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fraud import services
from fraud.offline.training import labeled_rows, train

MIN_ROWS = 200


class Command(BaseCommand):
    help = (
        "Train a logistic regression on labeled history (simulated labels, closed reviews, fraudulent refunds), "
        "print ROC AUC and precision/recall at the review and block thresholds on a held-out split, and store "
        "the model as JSON with its version and metrics. Needs the optional `ml` dependency group."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--test-size", type=float, default=0.25)
        parser.add_argument("--no-activate", action="store_true", help="Store the model without making it active.")

    def handle(self, *args, seed: int, test_size: float, no_activate: bool, **options):
        try:
            import sklearn  # noqa: F401
        except ImportError:
            raise CommandError(
                "scikit-learn is not installed: `uv sync --group ml` (scoring does not need it)."
            ) from None
        features, labels = labeled_rows()
        positives = sum(labels)
        self.stdout.write(f"Labeled rows: {len(labels)} ({positives} fraud, {len(labels) - positives} legitimate).")
        if len(labels) < MIN_ROWS or positives < 10 or len(labels) - positives < 10:
            raise CommandError(
                f"Need at least {MIN_ROWS} labeled rows with 10 of each class; run simulate_traffic first."
            )
        result = train(features=features, labels=labels, seed=seed, test_size=test_size)
        version = "lr-" + timezone.now().strftime("%Y%m%d%H%M%S")
        model = services.risk_model_store(
            version=version,
            parameters=result.parameters,
            metrics=result.metrics,
            trained_on=result.rows,
            activate=not no_activate,
        )
        metrics = result.metrics
        self.stdout.write(f"Held-out rows: {metrics['test_rows']} (trained on {metrics['train_rows']}).")
        self.stdout.write(
            f"ROC AUC: {metrics['roc_auc']:.4f}  (plain-Python integer scores: "
            f"{metrics['roc_auc_plain_python_scores']:.4f}; built-in model: "
            f"{metrics['roc_auc_builtin_model']:.4f})"
        )
        for name in ("review", "block"):
            figures = metrics[name]
            self.stdout.write(
                f"At the {name} threshold (score >= {figures['threshold']}): precision {figures['precision']}, "
                f"recall {figures['recall']}, flagged {figures['flagged_share']} of attempts"
            )
        state = "stored, not active" if no_activate else "stored and active"
        self.stdout.write(self.style.SUCCESS(f"Model {model.version} {state}."))
