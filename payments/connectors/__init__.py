"""Connector registry: `connector_get(name)` builds the instances configured in PAYMENT_CONNECTORS."""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from payments.connectors.base import Connector
from payments_platform.observability import tracing


@cache
def _build(name: str, class_path: str, options: tuple) -> Connector:
    return import_string(class_path)(name=name, **dict(options))


def _freeze(value):
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, _freeze(item)) for key, item in value.items()))
    return value


def connector_get(name: str) -> Connector:
    """The configured connector `name` (KeyError for an unknown one). Built once per configuration.

    While tracing is on, each call to it is a span `connector.<method>` (docs/observability.md)."""
    config = settings.PAYMENT_CONNECTORS[name]
    connector = _build(name, config["class"], _freeze(config.get("options", {})))
    return _TracedConnector(connector) if tracing.enabled() else connector


class _TracedConnector:
    """Wraps each call of the connector interface in a span, and passes everything else through."""

    _CALLS = frozenset({"authorize", "capture", "void", "refund", "retrieve"})

    def __init__(self, connector: Connector):
        self._connector = connector

    def __getattr__(self, attribute: str):
        value = getattr(self._connector, attribute)
        if attribute not in self._CALLS:
            return value
        connector_name = getattr(self._connector, "name", "")

        def traced(*args, **kwargs):
            with tracing.span(f"connector.{attribute}", **{"payments.connector": connector_name}):
                return value(*args, **kwargs)

        return traced


def connector_names() -> list[str]:
    return list(settings.PAYMENT_CONNECTORS)
