from django.apps import AppConfig


class PaymentsPlatformConfig(AppConfig):
    name = "payments_platform"
    verbose_name = "Platform"

    def ready(self) -> None:
        """GET /metrics: the scheduled jobs' last runs; traces when OTEL_EXPORTER_OTLP_ENDPOINT is set."""
        from payments_platform.observability import collectors
        from payments_platform.observability.metrics import scrape_collector_register

        scrape_collector_register("scheduled_jobs", collectors.scheduled_jobs)
