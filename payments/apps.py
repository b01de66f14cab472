from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self) -> None:
        """Tell fraud what closing a payment's review does, and, with SANDBOX_ENABLED, plug the
        payments traffic runner into `simulate_traffic` (fraud never imports payments: payments
        registers itself)."""
        from django.conf import settings

        from fraud.api import register_review_handler, register_runner
        from payments import metrics
        from payments.services import reviews

        register_review_handler(
            "payment_intent",
            on_approve=reviews.payment_review_approve,
            on_reject=reviews.payment_review_reject,
            on_event=reviews.payment_review_event,
        )
        if settings.SANDBOX_ENABLED:
            from payments.sandbox import traffic

            register_runner("payments", traffic.payments_runner)

        # reconcile_ledger also checks dispute debts (balance.owed against its receivable account).
        from ledger.api import register_check
        from payments.dispute_checks import OWED_MATCHES_RECEIVABLE

        register_check(OWED_MATCHES_RECEIVABLE)
        # GET /metrics: the connectors' circuit state, read from the cache at scrape time.
        from payments_platform.observability.metrics import scrape_collector_register

        scrape_collector_register("payments", metrics.collect)
