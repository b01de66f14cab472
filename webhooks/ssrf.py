"""SSRF protection for webhook URLs: which URLs we accept, and which addresses we connect to.

Two checks, both required:

1. When an endpoint is created or its URL changed (`url_validate`): `https` only, no
   credentials in the URL, no `localhost`-style or cloud-metadata host names, and an IP
   literal or any address the host name resolves to right now must be public.
2. At every delivery (`delivery_target`), the host name is resolved again by us, every
   address is vetted, and the request is sent to the vetted IP itself (the URL's host is
   replaced by the IP; the original name goes in the `Host` header and as the TLS SNI
   name, so certificates are still verified against the name). A DNS answer that changes
   between the check and the connection (DNS rebinding) therefore cannot redirect us:
   nothing re-resolves the name after it was vetted. Redirects are never followed.

`WEBHOOK_ALLOW_PRIVATE_URLS=true` lifts the scheme and address rules (development and
tests only): `http://127.0.0.1:PORT/...` is then accepted and delivered to.

Refused address classes: loopback, private (RFC 1918, unique-local IPv6), link-local,
multicast, unspecified, reserved or otherwise non-global (CGNAT, documentation ranges),
and cloud metadata addresses (some of which are public IPs, so they are listed). IPv6
addresses embedding an IPv4 one (mapped, 6to4, NAT64) are judged by the IPv4 address.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from webhooks import conf
from webhooks.errors import WebhookUrlInvalid

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean instance metadata
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS instance metadata over IPv6
        "100.100.100.200",  # Alibaba Cloud metadata
        "168.63.129.16",  # Azure wire server (a public address)
        "192.0.0.192",  # Oracle Cloud metadata
    )
)
BLOCKED_HOSTNAMES = frozenset({"localhost", "metadata", "metadata.google.internal", "metadata.goog", "instance-data"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(Exception):
    """A delivery target resolved to an address we never connect to."""


def _embedded_ipv4(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return address.ipv4_mapped
        if address.sixtofour:
            return address.sixtofour
        if address.teredo:
            return address.teredo[1]
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def address_refusal(address: IPAddress) -> str | None:
    """Why `address` may not be called (`"loopback"`, `"private"`, ...), or None when it is public."""
    address = _embedded_ipv4(address)
    checks = (
        ("metadata", address in METADATA_ADDRESSES),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("private", address.is_private),
        # Deprecated IPv6 site-local (fec0::/10): Python counts it as global, networks may still route it.
        ("private", isinstance(address, ipaddress.IPv6Address) and address.is_site_local),
        ("reserved", address.is_reserved or not address.is_global),
    )
    return next((reason for reason, refused in checks if refused), None)


def parse_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (A and AAAA), via the system resolver."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canonical, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


@dataclass(frozen=True)
class ParsedUrl:
    scheme: str
    host: str
    port: int
    ip: IPAddress | None


def _parse(url: str, *, allow_private: bool) -> ParsedUrl:
    if not isinstance(url, str) or len(url) > 2048 or any(ch.isspace() for ch in url):
        raise WebhookUrlInvalid("The URL must be an absolute https URL of at most 2048 characters.", param="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookUrlInvalid("The URL is malformed.", param="url") from None
    allowed_schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed_schemes:
        raise WebhookUrlInvalid("Webhook URLs must use https.", param="url")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlInvalid("Webhook URLs must not contain credentials.", param="url")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise WebhookUrlInvalid("The URL has no host.", param="url")
    default_port = 443 if parts.scheme == "https" else 80
    return ParsedUrl(scheme=parts.scheme, host=host, port=port or default_port, ip=parse_ip(host))


def _refuse(address: IPAddress, reason: str) -> WebhookUrlInvalid:
    return WebhookUrlInvalid(
        f"Webhook URLs must not point to a {reason} address ({address}).", param="url", code="url_address_refused"
    )


def url_validate(url: str) -> str:
    """Accept `url` as a webhook endpoint URL or raise `WebhookUrlInvalid` (param `url`).

    A host name that does not resolve yet is accepted: every delivery resolves and vets it again.
    """
    allow_private = conf.allow_private_urls()
    parsed = _parse(url, allow_private=allow_private)
    if allow_private:
        return url
    if parsed.host in BLOCKED_HOSTNAMES or parsed.host.endswith((".localhost", ".internal")):
        raise WebhookUrlInvalid(
            f"Webhook URLs must not point to {parsed.host!r}.", param="url", code="url_address_refused"
        )
    if parsed.ip is not None:
        addresses = [parsed.ip]
    else:
        try:
            addresses = resolve(parsed.host, parsed.port)
        except (OSError, UnicodeError):
            addresses = []
    for address in addresses:
        reason = address_refusal(address)
        if reason:
            raise _refuse(address, reason)
    return url


@dataclass(frozen=True)
class DeliveryTarget:
    """Where to connect: `url` has the vetted IP as its host; `host` is the name for Host and SNI."""

    url: str
    host: str
    host_header: str
    ip: IPAddress
    tls: bool


def delivery_target(url: str) -> DeliveryTarget:
    """Resolve and vet `url` for one delivery; raise `AddressRefused` unless it may be called now."""
    allow_private = conf.allow_private_urls()
    try:
        parsed = _parse(url, allow_private=allow_private)
    except WebhookUrlInvalid as error:
        raise AddressRefused(error.message) from None
    if not allow_private and (parsed.host in BLOCKED_HOSTNAMES or parsed.host.endswith((".localhost", ".internal"))):
        raise AddressRefused(f"host {parsed.host} is refused")
    if parsed.ip is not None:
        addresses = [parsed.ip]
    else:
        try:
            addresses = resolve(parsed.host, parsed.port)
        except (OSError, UnicodeError) as error:
            raise AddressRefused(f"DNS resolution of {parsed.host} failed: {error}") from None
    if not addresses:
        raise AddressRefused(f"{parsed.host} resolved to no address")
    if not allow_private:
        for address in addresses:
            reason = address_refusal(address)
            if reason:
                raise AddressRefused(f"{parsed.host} resolved to a {reason} address ({address})")
    chosen = addresses[0]
    default_port = 443 if parsed.scheme == "https" else 80
    host_header = parsed.host if parsed.port == default_port else f"{parsed.host}:{parsed.port}"
    if ":" in parsed.host and parsed.ip is not None:
        host_header = f"[{parsed.host}]" if parsed.port == default_port else f"[{parsed.host}]:{parsed.port}"
    pinned = httpx.URL(url).copy_with(host=str(chosen))
    return DeliveryTarget(
        url=str(pinned), host=parsed.host, host_header=host_header, ip=chosen, tls=parsed.scheme == "https"
    )
