from django.apps import AppConfig


class PaymentsPlatformConfig(AppConfig):
    name = "payments_platform"
    verbose_name = "Platform"

    def ready(self) -> None:
        """GET /metrics: the scheduled jobs' last runs; traces when OTEL_EXPORTER_OTLP_ENDPOINT is set."""
        from django.conf import settings

        from payments_platform.observability import collectors, tracing
        from payments_platform.observability.metrics import scrape_collector_register

        scrape_collector_register("scheduled_jobs", collectors.scheduled_jobs)
        if settings.OTEL_EXPORTER_OTLP_ENDPOINT:
            tracing.configure(service_name=settings.OTEL_SERVICE_NAME, endpoint=settings.OTEL_EXPORTER_OTLP_ENDPOINT)
