"""3-D Secure through gunicorn: the three requests of one authenticated payment, timed step by step.

What it does, all on loopback:

1. Creates and migrates its database (default pp_3ds_bench; `DATABASE_URL` wins), then one user
   with a usd wallet and a 3-D Secure card (4000002760003184).
2. Starts gunicorn with the production settings (DEBUG=false, HTTPS_ONLY=false, `--workers`) on
   `--port` (default 18390) with THREE_D_SECURE_BASE_URL pointing at it.
3. Runs `--payments` flows one after the other, as a shop and a cardholder would: `POST
   /v1/payment_intents` (confirm, return_url: 201 requires_action), `GET` the page (HTML form and
   CSRF cookie), `POST` it with `result=complete` (303 to the return_url; the capture is posted).
   Prints p50/p95/max per step and checks that every flow ended with a succeeded intent. Fraud
   screening runs without its velocity check (one test card, many payments in a row).

    .venv/bin/python benchmarks/three_d_secure.py [--payments 50] [--workers 2] [--port 18390]
"""

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support import (  # noqa: E402 - after the path setup
    benchmark_environment,
    database_ready,
    percentile,
    start_gunicorn,
)

benchmark_environment(database="pp_3ds_bench", redis_db=4)

# fraud.conf.DEFAULT_CHECKS without the velocity windows: one test card paying 50 times in a row
# is, rightly, a velocity signal, and the benchmark times 3-D Secure, not that rule.
BENCHMARK_FRAUD_CHECKS = [
    "fraud.checks.lists",
    "fraud.checks.amount_anomaly",
    "fraud.checks.new_account_large_amount",
    "fraud.checks.card_ip_country_mismatch",
    "fraud.checks.distinct_cards",
    "fraud.checks.repeated_declines",
    "fraud.checks.test_cards",
    "fraud.checks.ml_score",
]
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _seed():
    from datetime import date

    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User
    from payments.services import payment_method_create
    from wallets.services import wallet_create

    user = User.objects.create(email=f"3ds-bench-{time.time_ns()}@example.com", password="!")
    wallet = wallet_create(user=user, currency="usd")
    method = payment_method_create(
        user=user, number="4000002760003184", exp_month=12, exp_year=date.today().year + 2, cvc="123"
    )
    return wallet.public_id, method.public_id, str(RefreshToken.for_user(user).access_token)


def _flow(http, wallet: str, method: str, token: str) -> tuple[str, list[float]]:
    """One payment: confirm, open the page, complete it. Returns (pi id, [seconds per step])."""
    import httpx

    steps = []
    began = time.perf_counter()
    confirm = http.post(
        "/v1/payment_intents",
        json={
            "amount": 4000,
            "currency": "usd",
            "wallet": wallet,
            "payment_method": method,
            "confirm": True,
            "return_url": "https://shop.example/done",
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    steps.append(time.perf_counter() - began)
    data = confirm.json()["data"]
    assert data is not None and data["status"] == "requires_action", confirm.json()["error"]
    url = httpx.URL(data["next_action"]["redirect_to_url"]["url"])
    with httpx.Client(base_url=str(http.base_url), timeout=30) as browser:  # the cardholder: own cookies
        began = time.perf_counter()
        page = browser.get(url.raw_path.decode())
        steps.append(time.perf_counter() - began)
        csrf = CSRF_FIELD.search(page.text).group(1)
        began = time.perf_counter()
        answer = browser.post(
            url.raw_path.decode(),
            data={"csrfmiddlewaretoken": csrf, "result": "complete"},
            headers={"Origin": str(http.base_url).rstrip("/")},
        )
        steps.append(time.perf_counter() - began)
    assert answer.status_code == 303, answer.status_code
    return data["id"], steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=50, help="Flows to run, one after the other (default 50).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2).")
    parser.add_argument("--port", type=int, default=18390, help="gunicorn's port on 127.0.0.1 (default 18390).")
    args = parser.parse_args()

    import httpx

    database_ready()

    from payments.models import PaymentIntent

    wallet, method, token = _seed()
    base_url = f"http://127.0.0.1:{args.port}"
    print(f"Starting gunicorn ({args.workers} workers) on {base_url} ...")
    server = start_gunicorn(
        args.port,
        args.workers,
        {"THREE_D_SECURE_BASE_URL": base_url, "FRAUD_CHECKS": ",".join(BENCHMARK_FRAUD_CHECKS)},
        ready_seconds=180,
    )
    ids, timings = [], []
    try:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            _flow(http, wallet, method, token)  # warm-up: workers open their connections
            for _ in range(args.payments):
                pi, steps = _flow(http, wallet, method, token)
                ids.append(pi)
                timings.append(steps)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\n{args.payments} 3-D Secure payments, one after the other ({args.workers} workers):")
    for index, name in enumerate(["confirm (201 requires_action)", "GET page (200)", "POST complete (303)"]):
        values = [steps[index] * 1000 for steps in timings]
        p50, p95 = percentile(values, 0.50), percentile(values, 0.95)
        print(f"  {name:<31} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   max {max(values):6.1f} ms")
    totals = [sum(steps) * 1000 for steps in timings]
    print(f"  {'whole flow':<31} p50 {percentile(totals, 0.5):6.1f} ms   p95 {percentile(totals, 0.95):6.1f} ms")
    succeeded = PaymentIntent.objects.filter(public_id__in=ids, status="succeeded").count()
    print(f"  every flow ended succeeded: {succeeded == len(ids)} ({succeeded}/{len(ids)})")


if __name__ == "__main__":
    main()
