"""Signing and sending one webhook attempt, per Standard Webhooks. No database access here.

Headers: `webhook-id` (the event id, stable across retries and resends), `webhook-timestamp`
(Unix seconds of this attempt) and `webhook-signature`: space-separated `v1,<base64 HMAC-SHA256
of "<id>.<timestamp>.<body>">`, one per active secret (two during a secret rotation), keyed with
the base64-decoded part of the secret after `whsec_`. The body is exactly the bytes signed.
"""

import base64
import email.utils
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass

import httpx

from webhooks import ssrf
from webhooks.secrets import secret_key_bytes

RESPONSE_BODY_LIMIT = 1000
_READ_LIMIT_BYTES = 64 * 1024
USER_AGENT = "payments-platform-webhooks/1.0"


def signature_header(*, msg_id: str, timestamp: int, body: bytes, secrets: list[str]) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(secret_key_bytes(secret), signed, hashlib.sha256).digest()).decode()
        for secret in secrets
    )


def signed_headers(*, msg_id: str, body: bytes, secrets: list[str], timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(msg_id=msg_id, timestamp=timestamp, body=body, secrets=secrets),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    latency_ms: int
    response_body: str = ""
    error: str = ""
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Sender:
    """Sends attempts with pooled connections, one HTTP client per target host name.

    One client per host name keeps a pooled TLS connection from ever carrying a request for
    another name that shares the IP. Thread-safe: worker threads share one Sender.
    """

    MAX_CLIENTS = 256

    def __init__(self, *, timeout_seconds: float):
        self.timeout_seconds = timeout_seconds
        self._clients: dict[str, httpx.Client] = {}
        self._lock = threading.Lock()

    def _client(self, host: str) -> httpx.Client:
        with self._lock:
            client = self._clients.get(host)
            if client is None:
                if len(self._clients) >= self.MAX_CLIENTS:
                    _, oldest = self._clients.popitem()
                    oldest.close()
                client = httpx.Client(
                    follow_redirects=False,
                    trust_env=False,  # a proxy from the environment would bypass the pinned IP
                    timeout=httpx.Timeout(self.timeout_seconds),
                    limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
                )
                self._clients[host] = client
            return client

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()

    def send(self, *, url: str, body: bytes, headers: dict[str, str]) -> AttemptResult:
        """POST `body` to `url` once, through the vetted IP; never raises for network or HTTP failures."""
        started = time.perf_counter()

        def elapsed_ms() -> int:
            return int((time.perf_counter() - started) * 1000)

        try:
            target = ssrf.delivery_target(url)
        except ssrf.AddressRefused as refusal:
            return AttemptResult(status_code=None, latency_ms=elapsed_ms(), error=f"refused: {refusal}")
        extensions = {"sni_hostname": target.host} if target.tls and target.ip != ssrf.parse_ip(target.host) else {}
        deadline = started + self.timeout_seconds
        try:
            with self._client(target.host).stream(
                "POST",
                target.url,
                content=body,
                headers={**headers, "host": target.host_header},
                extensions=extensions,
            ) as response:
                received = bytearray()
                for chunk in response.iter_raw():
                    received += chunk
                    if len(received) >= _READ_LIMIT_BYTES or time.perf_counter() > deadline:
                        break
            error = ""
            if 300 <= response.status_code < 400:
                error = "redirect not followed"
            return AttemptResult(
                status_code=response.status_code,
                latency_ms=elapsed_ms(),
                response_body=received.decode("utf-8", errors="replace")[:RESPONSE_BODY_LIMIT],
                error=error,
                retry_after=parse_retry_after(response.headers.get("retry-after")),
            )
        except httpx.TimeoutException:
            return AttemptResult(
                status_code=None, latency_ms=elapsed_ms(), error=f"timeout after {self.timeout_seconds:g} s"
            )
        except httpx.HTTPError as error:
            return AttemptResult(
                status_code=None, latency_ms=elapsed_ms(), error=f"{type(error).__name__}: {error}"[:500]
            )
