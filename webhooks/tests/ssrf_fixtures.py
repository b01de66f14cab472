"""Fixtures of the SSRF tests (webhooks/tests/test_ssrf.py and tests/security), loaded by the root
conftest's `pytest_plugins`: private webhook URLs refused, and a DNS table for made-up names."""

import socket

import pytest


@pytest.fixture
def private_urls_refused(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False


@pytest.fixture
def fake_dns(monkeypatch):
    """Answers for made-up names from a table; the real resolver for everything else."""
    answers: dict[str, list[str]] = {}
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [
                (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
                for ip in answers[host]
            ]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers
