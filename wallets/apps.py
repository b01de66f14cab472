from django.apps import AppConfig


class WalletsConfig(AppConfig):
    name = "wallets"

    def ready(self) -> None:
        """Tell fraud what closing a transfer's or payout's review does, and plug the wallets traffic
        runner into `simulate_traffic` (fraud never imports wallets: wallets registers itself)."""
        from fraud.api import register_review_handler, register_runner
        from wallets import services
        from wallets.sandbox import traffic

        register_review_handler(
            "transfer",
            on_approve=services.transfer_review_approve,
            on_reject=services.transfer_review_reject,
            on_event=services.transfer_review_event,
        )
        register_review_handler(
            "payout",
            on_approve=services.payout_review_approve,
            on_reject=services.payout_review_reject,
            on_event=services.payout_review_event,
        )
        register_runner("wallets", traffic.wallets_runner)

        from ledger.api import register_check
        from wallets.reconciliation import CHECKS

        for check in CHECKS:  # reconcile_ledger also checks the statements against the ledger
            register_check(check)
