"""Every ```python block of docs/integration.md runs, in order, in one namespace, against the live
server, with the client generated from its schema and a real webhook receiver."""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command

from fraud.tests.support import fresh_fraud_state
from tests.client.generated import forget_client, generate_client

DOC = Path(__file__).resolve().parents[2] / "docs" / "integration.md"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks() -> list[str]:
    return PYTHON_BLOCK.findall(DOC.read_text())


class Receiver:
    """A webhook receiver on 127.0.0.1 that hands each delivery to the docs' `handle_webhook`."""

    def __init__(self, namespace: dict):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = namespace["handle_webhook"](body, {k.lower(): v for k, v in self.headers.items()})
                receiver.statuses.append(status)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.statuses: list[int] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_the_integration_guide_has_python_samples():
    assert len(python_blocks()) >= 8


@pytest.mark.django_db(transaction=True)
def test_every_python_sample_of_the_integration_guide_runs(live_server, tmp_path, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True  # the receiver is on 127.0.0.1
    namespace: dict = {"BASE_URL": live_server.url}
    receiver = Receiver(namespace)
    namespace["WEBHOOK_URL"] = receiver.url
    namespace["deliver_webhooks"] = lambda: call_command("run_webhook_worker", "--once")
    try:
        with fresh_fraud_state():
            generate_client(live_server.url, tmp_path)
            for number, block in enumerate(python_blocks(), start=1):
                try:
                    exec(compile(block, f"docs/integration.md python block {number}", "exec"), namespace)  # noqa: S102
                except Exception as error:
                    raise AssertionError(f"python block {number} of docs/integration.md failed: {error!r}") from error
    finally:
        receiver.close()
        statuses = receiver.statuses
        namespace.clear()  # the samples' HTTP clients, collected by forget_client
        forget_client()

    assert statuses == [200]
