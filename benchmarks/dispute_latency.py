"""How long a processor-reported dispute takes to reach the wallet, on the running system.

Starts gunicorn (production settings) on 127.0.0.1:PORT and `send_processor_notifications` beside it
(as the scheduler would run it), then, for each of `--payments` users: pays 100.00 with the dispute
test card 4000000000000259, waits for `GET /v1/disputes` to show the dispute (capture → dispute
opened, the contract says within 30 s), submits `winning_evidence` and waits for `won` (submit →
ruling). Prints the figures and the command to rerun.

    .venv/bin/python benchmarks/dispute_latency.py --payments 5 [--port 18410] [--interval 1]
"""

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.support import ROOT, benchmark_environment, database_ready, percentile, start_gunicorn

PASSWORD = "violet-harbour-quantum-88"
EXP = {"exp_month": 12, "exp_year": 2099, "cvc": "123"}


def wait_for(check, *, timeout: float, poll: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(poll)
    raise SystemExit(f"gave up after {timeout:g} s")


def one_dispute(http) -> tuple[float, float, dict]:
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    assert http.post("/v1/auth/register", json={"email": email, "password": PASSWORD}).status_code == 201
    access = http.post("/v1/auth/token", json={"email": email, "password": PASSWORD}).json()["data"]["access"]
    auth = {"Authorization": f"Bearer {access}"}
    wallet = http.post("/v1/wallets", json={"currency": "usd"}, headers=auth).json()["data"]["id"]
    card = {"number": "4000000000000259", **EXP}
    method = http.post("/v1/payment_methods", json={"type": "card", "card": card}, headers=auth).json()["data"]["id"]
    body = {"amount": 10_000, "currency": "usd", "wallet": wallet, "payment_method": method, "confirm": True}
    response = http.post("/v1/payment_intents", json=body, headers=auth)
    assert response.status_code == 201, response.text
    intent = response.json()["data"]["id"]
    captured = time.monotonic()

    def dispute():
        rows = http.get("/v1/disputes", params={"payment_intent": intent}, headers=auth).json()["data"]["data"]
        return rows[0] if rows else None

    opened = wait_for(dispute, timeout=60)
    opened_after = time.monotonic() - captured
    evidence = {"evidence": {"uncategorized_text": "winning_evidence"}, "submit": True}
    assert http.post(f"/v1/disputes/{opened['id']}", json=evidence, headers=auth).status_code == 200
    submitted = time.monotonic()
    wait_for(lambda: (d := dispute()) and d["status"] == "won", timeout=60)
    won_after = time.monotonic() - submitted
    balance = http.get(f"/v1/wallets/{wallet}", headers=auth).json()["data"]["balance"]
    return opened_after, won_after, balance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--payments", type=int, default=5)
    parser.add_argument("--port", type=int, default=18410)
    parser.add_argument("--interval", type=float, default=1.0, help="The dispatcher's seconds between rounds.")
    args = parser.parse_args()

    benchmark_environment(database="pp_i17b_dispute_bench", redis_db=5)
    os.environ["CONNECTOR_NOTIFICATION_BASE_URL"] = f"http://127.0.0.1:{args.port}"
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    database_ready()

    import httpx

    server = start_gunicorn(args.port, workers=2)
    dispatcher = subprocess.Popen(
        [sys.executable, "manage.py", "send_processor_notifications", "--interval", str(args.interval)],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
    )
    try:
        opened, won, balances = [], [], []
        with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=30) as http:
            for _ in range(args.payments):
                opened_after, won_after, balance = one_dispute(http)
                opened.append(opened_after)
                won.append(won_after)
                balances.append(balance)
    finally:
        dispatcher.terminate()
        server.terminate()
        dispatcher.wait(timeout=10)
        server.wait(timeout=10)

    print(f"disputes: {len(opened)} (PROCESSOR_NOTIFICATION_DELAY_SECONDS=2, dispatcher every {args.interval:g} s)")
    print(f"capture -> dispute opened: p50 {percentile(opened, 0.5):.2f} s, max {max(opened):.2f} s (contract: 30 s)")
    print(f"submit winning_evidence -> won: p50 {percentile(won, 0.5):.2f} s, max {max(won):.2f} s (contract: 30 s)")
    print(f"wallet balance after the win (each): {balances[-1]}")
    print(f"rerun: .venv/bin/python benchmarks/dispute_latency.py --payments {args.payments} --port {args.port}")


if __name__ == "__main__":
    main()
