"""Client IP to country, from the small configured table (FRAUD_IP_COUNTRIES)."""

from __future__ import annotations

import functools
import ipaddress

from fraud import conf


@functools.lru_cache(maxsize=8)
def _networks(table: tuple) -> list:
    return [(ipaddress.ip_network(cidr), country.lower()) for cidr, country in table]


def ip_country(ip: str | None) -> str | None:
    """The lowercase ISO country of `ip`, or None for an unknown or malformed address."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    for network, country in _networks(tuple(tuple(row) for row in conf.ip_countries())):
        if address.version == network.version and address in network:
            return country
    return None
