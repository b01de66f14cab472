from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self) -> None:
        """Add the webhook backlog and relay lag to GET /metrics (computed at scrape time)."""
        from payments_platform.observability.metrics import scrape_collector_register
        from webhooks import metrics

        scrape_collector_register("webhooks", metrics.collect)
