"""Connector registry: `connector_get(name)` builds the instances configured in PAYMENT_CONNECTORS."""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from payments.connectors.base import Connector


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
    """The configured connector `name` (KeyError for an unknown one). Built once per configuration."""
    config = settings.PAYMENT_CONNECTORS[name]
    return _build(name, config["class"], _freeze(config.get("options", {})))


def connector_names() -> list[str]:
    return list(settings.PAYMENT_CONNECTORS)
