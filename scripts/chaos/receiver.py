"""A local webhook receiver for load and fault runs (a threaded http.server in its own process).

It verifies nothing but the presence of the Standard Webhooks headers, answers according to its
mode and appends one JSON line per request to `--log` (`{"id": webhook-id, "status": answered}`),
so counts survive a restart of the receiver. Control: `POST /_mode {"mode": "ok"|"slow"|"error",
"delay": seconds}`; `GET /_stats` returns the counts.

    python scripts/chaos/receiver.py --port 8099 --log /tmp/deliveries.jsonl
"""

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {"mode": "ok", "delay": 0.0}
LOCK = threading.Lock()


def make_handler(log_path: str):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _answer(self, status: int, body: bytes = b"{}") -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/_stats":
                ids, total = set(), 0
                with LOCK, open(log_path, "a+") as handle:
                    handle.seek(0)
                    for line in handle:
                        record = json.loads(line)
                        if record["status"] < 300:
                            ids.add(record["id"])
                            total += 1
                self._answer(200, json.dumps({"unique": len(ids), "total": total, **STATE}).encode())
            else:
                self._answer(404)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if self.path == "/_mode":
                STATE.update(json.loads(body))
                self._answer(200, json.dumps(STATE).encode())
                return
            msg_id = self.headers.get("webhook-id")
            if not msg_id or not self.headers.get("webhook-signature"):
                self._answer(400)
                return
            mode, delay = STATE["mode"], float(STATE["delay"])
            if mode == "slow":
                time.sleep(delay)
            status = 500 if mode == "error" else 200
            try:
                self._answer(status)
            except OSError:  # the worker gave up (timeout): not a delivery
                status = 599
            with LOCK, open(log_path, "a") as handle:
                handle.write(json.dumps({"id": msg_id, "status": status}) + "\n")

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.log))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
