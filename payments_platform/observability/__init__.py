"""Metrics (Prometheus), traces (OpenTelemetry) and the scrape endpoint; docs/observability.md.

Other apps use `payments_platform.observability.metrics` (counters and their helpers) and
`payments_platform.observability.tracing` (spans that cost nothing when tracing is off).
"""
