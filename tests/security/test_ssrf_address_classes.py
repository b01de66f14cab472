"""Webhook SSRF defences: the address classes and notations webhooks/tests/test_ssrf.py leaves out.

IPv6 forms that embed or alias an IPv4 address (6to4, NAT64, Teredo, IPv4-compatible),
IPv6 unspecified, site-local and documentation ranges, IPv4 in decimal, octal, hex and short
notation (resolved by the system resolver to the address they stand for), the last metadata
addresses, and the same refusals through the API (create and update), with DNS answers
that point a public-looking name at each class.
"""

import pytest

from webhooks import ssrf
from webhooks.errors import WebhookUrlInvalid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_urls_refused")]


REFUSED_LITERALS = [
    ("[::]", "unspecified"),
    ("[::ffff:10.0.0.1]", "private"),
    ("[::ffff:0:7f00:1]", None),  # IPv4-translated (RFC 2765) loopback
    ("[2002:7f00:1::]", "loopback"),  # 6to4 of 127.0.0.1
    ("[2002:a9fe:a9fe::]", "metadata"),  # 6to4 of 169.254.169.254
    ("[64:ff9b::a9fe:a9fe]", "metadata"),  # NAT64 of 169.254.169.254
    ("[64:ff9b::7f00:1]", "loopback"),  # NAT64 of 127.0.0.1
    ("[2001:0:4136:e378:8000:63bf:80ff:fffe]", None),  # Teredo of 127.0.0.1 (client address is inverted)
    ("[::127.0.0.1]", None),  # IPv4-compatible (deprecated) loopback
    ("[fec0::1]", None),  # site-local (deprecated)
    ("[fd12:3456:789a::1]", "private"),
    ("[2001:db8::1]", None),  # documentation
    ("[100::1]", None),  # discard-only
    ("[fe80::1%25eth0]", None),  # link-local with a zone id
    ("169.254.170.2", "metadata"),  # AWS ECS task metadata
    ("192.0.0.192", "metadata"),  # Oracle Cloud metadata
    ("192.0.2.10", None),  # documentation
    ("198.18.0.1", None),  # benchmarking
    ("240.0.0.1", None),  # reserved
    ("255.255.255.255", None),  # broadcast
    ("0.1.2.3", None),  # "this network"
]


@pytest.mark.parametrize(("host", "reason"), REFUSED_LITERALS, ids=[host for host, _ in REFUSED_LITERALS])
def test_an_ip_literal_of_a_refused_class_is_rejected(host, reason):
    with pytest.raises(WebhookUrlInvalid) as refused:
        ssrf.url_validate(f"https://{host}/hook")

    assert refused.value.param == "url"
    if reason:
        assert reason in refused.value.message


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0x7f000001", "017700000001", "127.1", "0x7f.0.0.1", "0177.0.0.1", "2852039166"],
    ids=["decimal", "hex", "octal", "short", "dotted-hex", "dotted-octal", "decimal-metadata"],
)
def test_ipv4_in_unusual_notation_is_rejected(host):
    """The system resolver turns these into 127.0.0.1 or 169.254.169.254; we judge the result."""
    with pytest.raises(WebhookUrlInvalid):
        ssrf.url_validate(f"https://{host}/hook")


@pytest.mark.parametrize(
    "address",
    ["::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:a00:1::", "fd00:ec2::254"],
)
def test_a_name_resolving_to_a_refused_ipv6_address_is_rejected(fake_dns, address):
    fake_dns["looks-public.test"] = ["2606:2800:220:1:248:1893:25c8:1946", address]

    with pytest.raises(WebhookUrlInvalid):
        ssrf.url_validate("https://looks-public.test/hook")


def test_delivery_refuses_a_name_rebound_to_an_ipv6_loopback(fake_dns):
    fake_dns["rebind6.test"] = ["2606:2800:220:1:248:1893:25c8:1946"]
    ssrf.url_validate("https://rebind6.test/hook")
    fake_dns["rebind6.test"] = ["::1"]

    with pytest.raises(ssrf.AddressRefused):
        ssrf.delivery_target("https://rebind6.test/hook")


@pytest.mark.parametrize(
    "url",
    ["https://[::1]/hook", "https://[::ffff:169.254.169.254]/hook", "https://10.0.0.1/hook", "http://example.com/hook"],
)
def test_the_api_refuses_a_private_url_on_create(auth_client, url):
    response = auth_client.post("/v1/webhook_endpoints", {"url": url, "enabled_events": ["*"]}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "url"


def test_the_api_refuses_a_private_url_on_update(auth_client, fake_dns):
    fake_dns["hooks.public.test"] = ["93.184.216.34"]
    created = auth_client.post(
        "/v1/webhook_endpoints", {"url": "https://hooks.public.test/hook", "enabled_events": ["*"]}, format="json"
    )
    endpoint = created.json()["data"]["id"]

    response = auth_client.patch(f"/v1/webhook_endpoints/{endpoint}", {"url": "https://[fd00::1]/hook"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "url"
