"""SSRF: which webhook URLs are refused, at creation and again at delivery (after DNS resolution)."""

import pytest

from webhooks import ssrf
from webhooks.errors import WebhookUrlInvalid
from webhooks.sender import Sender
from webhooks.tests.receiver import Receiver

pytestmark = pytest.mark.usefixtures("private_urls_refused")


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("[::1]", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.10", "private"),
        ("[fc00::1]", "private"),
        ("169.254.1.1", "link-local"),
        ("[fe80::1]", "link-local"),
        ("224.0.0.1", "multicast"),
        ("[ff02::1]", "multicast"),
        ("169.254.169.254", "metadata"),
        ("168.63.129.16", "metadata"),
        ("[fd00:ec2::254]", "metadata"),
        ("100.100.100.200", "metadata"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address we refuse, not one we bind
        ("100.64.0.1", "reserved"),
        ("[::ffff:127.0.0.1]", "loopback"),
        ("[::ffff:169.254.169.254]", "metadata"),
    ],
)
def test_a_url_pointing_to_a_refused_address_class_is_rejected(address, reason):
    with pytest.raises(WebhookUrlInvalid) as refused:
        ssrf.url_validate(f"https://{address}/hook")
    assert refused.value.param == "url"
    assert reason in refused.value.message


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/hook",
        "ftp://hooks.example.com/hook",
        "https://user:pass@hooks.example.com/hook",
        "https://localhost/hook",
        "https://metadata.google.internal/computeMetadata",
        "https://app.localhost/hook",
        "https:///nohost",
        "not a url",
        "https://hooks.example.com:99999/hook",
    ],
)
def test_a_malformed_plain_http_or_internal_url_is_rejected(url):
    with pytest.raises(WebhookUrlInvalid):
        ssrf.url_validate(url)


def test_a_host_name_resolving_to_a_private_address_is_rejected(fake_dns):
    fake_dns["intranet.test"] = ["93.184.216.34", "10.0.0.7"]
    with pytest.raises(WebhookUrlInvalid, match="private"):
        ssrf.url_validate("https://intranet.test/hook")


def test_a_host_name_resolving_to_public_addresses_is_accepted(fake_dns):
    fake_dns["public.test"] = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]
    assert ssrf.url_validate("https://public.test/hook") == "https://public.test/hook"


def test_allowing_private_urls_accepts_http_on_loopback(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    assert ssrf.url_validate("http://127.0.0.1:8080/hook")


def test_delivery_time_resolution_refuses_a_name_rebound_to_loopback(fake_dns):
    """DNS rebinding: the name was public (or unresolvable) when the endpoint was saved."""
    fake_dns["rebind.test"] = ["93.184.216.34"]
    ssrf.url_validate("https://rebind.test/hook")
    fake_dns["rebind.test"] = ["127.0.0.1"]
    sender = Sender(timeout_seconds=1)

    result = sender.send(url="https://rebind.test/hook", body=b"{}", headers={})

    assert result.status_code is None
    assert result.error.startswith("refused:")
    assert "loopback" in result.error


def test_delivery_connects_to_the_resolved_ip_and_keeps_the_host_name_in_the_host_header(fake_dns, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    fake_dns["pinned.test"] = ["127.0.0.1"]
    with Receiver() as receiver:
        target = ssrf.delivery_target(f"http://pinned.test:{receiver.port}/hook")
        sender = Sender(timeout_seconds=2)
        result = sender.send(url=f"http://pinned.test:{receiver.port}/hook", body=b"{}", headers={})
        sender.close()

    assert target.url == f"http://127.0.0.1:{receiver.port}/hook"
    assert result.status_code == 200
    assert receiver.requests[0].headers["host"] == f"pinned.test:{receiver.port}"
